"""Playback endpoints: the watch page, HLS playlists, captions and the MP4 download."""
import re

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from app import cache_versions as versions
from app.caching import cache_timeout
from app.extensions import storage
from app.models import Visibility
from app.models.paths import segment_path
from app.pages import everyones_page, reader_page, same_for_everyone
from app.scenes import bp
from app.scenes.forms import SegmentActionForm
from app.scenes.urls import scene_from_url, segment_from_url
from app.story import cuts, listings, playback
from app.story.media_links import signs_media
from app.story.presenters import scene_view
from app.story.viewers import story_viewers

HLS_MIME = "application/vnd.apple.mpegurl"


def _filename(scene, suffix: str = "") -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "-", scene.title).strip("-").lower() or "scene"
    return f"{stem}-{suffix}.mp4" if suffix else f"{stem}.mp4"


def _playlist_response(visibility: str, playlist: playback.Playlist, versioned: bool = False) -> Response:
    """A playlist with its cache policy. A versioned URL (``?head=<segment>``) always names the same text, so
    browsers and CDNs keep it; the bare URL changes whenever the scene grows, so every use revalidates
    (a 304 while the ETag still matches) and a new segment is never hidden behind a cached copy."""
    response = Response(playlist.text, mimetype=HLS_MIME)
    response.set_etag(playlist.etag)
    if visibility == Visibility.PRIVATE:
        response.headers["Cache-Control"] = "private, no-store"
    elif versioned:
        lifetime = cache_timeout("PLAYLIST_CACHE_SECONDS")
        response.headers["Cache-Control"] = f"public, max-age={lifetime}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)


@bp.get("/scenes/<scene:scene_ref>/playlist.m3u8")
@everyones_page(params={"head": str}, scope=versions.known_scene_scope)  # a first view builds it for less
def scene_playlist(scene_ref: str):
    scene = scene_from_url(scene_ref)
    head = request.args.get("head")
    try:
        upto = playback.version_on_branch(scene, head) if head else None
        playlist = playback.branch_playlist(scene, upto)
    except playback.NothingToPlay:
        abort(404, "This scene has no finished segment to play yet." if not head
              else "That version of the scene isn't on this branch.")
    if scene.visibility == Visibility.PUBLIC and playlist.settled:
        same_for_everyone()  # unsigned media URLs and no slate standing in: anyone who asks gets this text
    return _playlist_response(scene.visibility, playlist, versioned=upto is not None)


@bp.get("/segments/<segment:segment_ref>/playlist.m3u8")
def segment_playlist(segment_ref: str):
    segment = segment_from_url(segment_ref)
    try:
        return _playlist_response(segment.scene.visibility, playback.segment_playlist(segment.scene, segment))
    except playback.NothingToPlay:
        abort(404, "This segment isn't ready to play yet.")


@bp.get("/scenes/<scene:scene_ref>/captions.vtt")
def captions(scene_ref: str):
    scene = scene_from_url(scene_ref)
    try:
        head = playback.version_on_branch(scene, request.args["head"]).id if "head" in request.args else scene.head_segment_id
    except playback.NothingToPlay:
        abort(404, "That version of the scene isn't on this branch.")
    return Response(playback.captions_vtt(segment_path(head)), mimetype="text/vtt")


@bp.get("/scenes/<scene:scene_ref>/download.mp4")
def download(scene_ref: str):
    scene = scene_from_url(scene_ref)
    try:
        key = playback.branch_download(scene)
    except playback.NothingToPlay:
        abort(404, "This scene has no finished segment to download yet.")
    filename = _filename(scene)
    path = storage().local_path(key)
    if path is None:
        return redirect(storage().url(key, private=signs_media(scene)))
    return send_file(path, mimetype="video/mp4", as_attachment=True, download_name=filename, conditional=True)


@bp.get("/scenes/<scene:scene_ref>/watch")
@reader_page(scope=versions.scene_scope, viewers=story_viewers)
def watch(scene_ref: str):
    scene = scene_from_url(scene_ref)
    views = scene_view(scene)
    return render_template("scenes/watch.html", scene=scene, views=views,
                           chapters=playback.chapters([v.segment for v in views]), user=current_user,
                           next_scene=listings.up_next(scene))


@bp.post("/scenes/<scene:scene_ref>/cut")
@login_required
def request_cut(scene_ref: str):
    scene = scene_from_url(scene_ref)
    if not SegmentActionForm().validate_on_submit():
        abort(400)
    try:
        cuts.request_cut(scene, current_user)
    except cuts.CutUnavailable as err:
        flash(str(err), "error")
    else:
        flash("Your director's cut is being made. It takes a little while; watch its progress below.", "success")
    return redirect(url_for("scenes.show", scene_ref=scene, _anchor="directors-cut"))


@bp.get("/scenes/<scene:scene_ref>/cut.mp4")
def cut_download(scene_ref: str):
    scene = scene_from_url(scene_ref)
    cut = cuts.cut_for(scene)
    if cut is None or not cut.video_key:
        abort(404, "This scene has no director's cut yet.")
    path = storage().local_path(cut.video_key)
    if path is None:
        return redirect(storage().url(cut.video_key, private=signs_media(scene)))
    return send_file(path, mimetype="video/mp4", as_attachment=request.args.get("download") == "1",
                     download_name=_filename(scene, "directors-cut"), conditional=True)
