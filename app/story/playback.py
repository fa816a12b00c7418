"""Watching a branch: its HLS playlist, captions and MP4 download, built from packaged segments.

Each segment is packaged once at publish. A branch's playlist is text assembled
from the segments' stored playlist data (no media is read), cached by the head
id, so continuing a long scene costs no more than continuing a short one.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from flask import current_app

from app import cache_versions as versions
from app.caching import cache_timeout, playlist_key
from app.extensions import cache, storage
from app.media.concat import concat_mp4
from app.media.hls import MediaPlaylist, MediaSegment, join_playlists
from app.models import Scene, Segment
from app.models.paths import Step, segment_path
from app.moderation.takedown import moderation_slate
from app.story.media_links import media_url, signs_media

#: a segment read whole, or a step of a path read as plain values
AnySegment = TypeVar("AnySegment", Segment, Step)


class NothingToPlay(LookupError):
    """The branch has no ready segment yet."""


@dataclass(frozen=True)
class Playlist:
    text: str
    etag: str
    #: every segment it plays is ready and clear (no moderation slate stands in for one)
    settled: bool = False


def stored_playlist(segment: Segment) -> MediaPlaylist:
    data = segment.hls or {}
    parts = tuple(MediaSegment(float(seconds), uri) for seconds, uri in data.get("parts", []))
    return MediaPlaylist(target_duration=int(data.get("target", 2)), segments=parts, map_uri=data.get("map"))


def _playlist(scene: Scene, segments: list[Segment]) -> Playlist:
    ready = [s for s in segments if s.is_ready and s.hls]
    if not ready:
        raise NothingToPlay(scene.id)
    parts = [part for s in ready if (part := _playable(scene, s)) is not None]
    if not parts:
        raise NothingToPlay(scene.id)
    text = join_playlists(parts)
    return Playlist(text, hashlib.sha256(text.encode()).hexdigest()[:32], all(s.is_public_now for s in ready))


def _playable(scene: Scene, segment: Segment):
    """The segment's playlist and URL resolver; a slate's for one moderation took out of view."""
    if segment.is_public_now:
        return stored_playlist(segment), _resolver(scene, segment)
    slate = moderation_slate(segment)
    if slate is None:  # not made yet: leave the segment out rather than show it
        return None
    data = slate.hls
    parts = tuple(MediaSegment(float(seconds), uri) for seconds, uri in data["parts"])
    playlist = MediaPlaylist(target_duration=int(data["target"]), segments=parts, map_uri=data.get("map"))
    return playlist, lambda uri: media_url(scene, f"{slate.prefix}hls/{uri}")


def _resolver(scene: Scene, segment: Segment):
    prefix = f"{segment.media_prefix}hls/"
    return lambda uri: media_url(scene, prefix + uri)


def branch_playlist(scene: Scene, upto: Segment | None = None) -> Playlist:
    """The scene's VOD playlist: its segments joined with discontinuities (cached by head id).

    With ``upto`` (a ready segment on the branch, see ``version_on_branch``) the playlist ends there: the
    branch as it was when that segment was its newest, which never changes.
    """
    head_id = upto.id if upto is not None else scene.head_segment_id
    if signs_media(scene):  # signed URLs expire: never share or keep them
        return _playlist(scene, segment_path(head_id))
    key = playlist_key(scene.id, head_id, scene.visibility)
    if (hit := cache.get(key)) is not None:
        return Playlist(*hit)
    path = segment_path(head_id)
    if path:  # its story tree, for the copy kept for everyone (versions.known_scene_scope)
        versions.remember_scene_root(scene.public_id, path[0].id)
    playlist = _playlist(scene, path)
    cache.set(key, (playlist.text, playlist.etag, playlist.settled), timeout=cache_timeout("PLAYLIST_CACHE_SECONDS"))
    return playlist


def version_on_branch(scene: Scene, ref: str) -> Segment:
    """The ready segment of the scene's branch that ``ref`` (a public id) names: a playlist version."""
    for segment in segment_path(scene.head_segment_id):
        if segment.public_id == ref and segment.is_ready and segment.hls:
            return segment
    raise NothingToPlay(ref)


def newest_ready(scene: Scene) -> Segment | None:
    """The last ready segment of the branch: what the versioned playlist URL of the scene names."""
    return next((s for s in reversed(segment_path(scene.head_segment_id)) if s.is_ready and s.hls), None)


def segment_playlist(scene: Scene, segment: Segment) -> Playlist:
    return _playlist(scene, [segment])


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def chapters(segments: list[AnySegment]) -> list[tuple[AnySegment, float, float]]:
    """Each ready segment (or step of a path) with its start and end time on the branch."""
    out, start = [], 0.0
    for segment in segments:
        if not segment.is_ready:
            continue
        end = start + (segment.duration or 0.0)
        out.append((segment, start, end))
        start = end
    return out


def cue_text(text: str) -> str:
    """``text`` as WebVTT cue payload that shows exactly as written: ``&``, ``<`` and ``>`` become character
    references (so no ``<b>``, ``<c>`` or ``<v>`` tag is honoured and ``-->`` can't end the timing line), and
    line breaks become spaces (a blank line would end the cue)."""
    text = " ".join(text.split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


#: providers whose picture already carries the prompt (the local renderer draws it on a band at the bottom);
#: a caption would only repeat it, so their segments get no cue
PROMPT_IN_PICTURE = frozenset({"local"})


def captions_vtt(segments: list[Segment]) -> str:
    """A WebVTT track with one cue per segment whose picture doesn't show its prompt: the prompt and author."""
    lines = ["WEBVTT", ""]
    for segment, start, end in chapters(segments):
        if segment.provider in PROMPT_IN_PICTURE:
            continue
        lines += [f"segment-{segment.public_id}", f"{_timestamp(start)} --> {_timestamp(end)}",
                  f"{cue_text(segment.prompt if segment.is_public_now else 'Removed')} — {cue_text(segment.author.username)}", ""]
    return "\n".join(lines)


def branch_download(scene: Scene) -> str:
    """The storage key of the branch as one MP4 (stream-copied, faststart), made once per head."""
    segments = [s for s in segment_path(scene.head_segment_id) if s.is_ready]
    if not segments:
        raise NothingToPlay(scene.id)
    key = f"branches/{scene.head.public_id}.mp4"  # named by public id: nobody finds a branch by counting
    store = storage()
    if store.exists(key):
        return key
    work = Path(current_app.config["WORK_DIR"]) / "downloads"
    work.mkdir(parents=True, exist_ok=True)
    inputs = [store.local_copy(s.video_key if s.is_public_now else moderation_slate(s).video_key, work / "stored")
              for s in segments if s.is_public_now or moderation_slate(s) is not None]
    out = concat_mp4(inputs, work / f"{scene.head_segment_id}.mp4")
    store.put_file(key, out, "video/mp4")
    out.unlink(missing_ok=True)
    return key

