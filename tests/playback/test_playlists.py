"""Scene playlists, captions, downloads and media serving."""
import re
import subprocess

import pytest

from app.extensions import db, storage
from app.media.ffmpeg import ffmpeg_exe
from app.media.probe import probe
from app.models import Scene
from app.models.paths import segment_path
from app.moderation.takedown import forget_branches
from app.story.writing import continue_scene
from tests.factories import build_scene, make_user, scene_url, segment_url


def check_playlist(text: str, segments: int, fmp4: bool) -> list[float]:
    """Structural checks every scene playlist must pass; returns the EXTINF durations."""
    lines = text.strip().splitlines()
    assert lines[0] == "#EXTM3U" and lines[-1] == "#EXT-X-ENDLIST"
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in lines
    target = int(next(line.split(":")[1] for line in lines if line.startswith("#EXT-X-TARGETDURATION:")))
    durations = [float(line.split(":")[1].rstrip(",")) for line in lines if line.startswith("#EXTINF:")]
    assert durations and all(d <= target for d in durations)
    assert max(durations) > target - 1  # the target is the rounded-up longest part, not a loose bound
    assert lines.count("#EXT-X-DISCONTINUITY") == segments - 1
    maps = [i for i, line in enumerate(lines) if line.startswith("#EXT-X-MAP:")]
    if fmp4:
        assert len(maps) == segments and "#EXT-X-VERSION:7" in lines
        for i, line in enumerate(lines):
            if line == "#EXT-X-DISCONTINUITY":
                assert lines[i + 1].startswith("#EXT-X-MAP:")
    else:
        assert maps == [] and "#EXT-X-VERSION:3" in lines
    uris = [line for line in lines if not line.startswith("#")]
    assert all(uri.endswith(".m4s" if fmp4 else ".ts") for uri in uris)
    return durations


def _segment_durations(scene_id: int) -> list[float]:
    scene = db.session.get(Scene, scene_id)
    return [s.duration for s in segment_path(scene.head_segment_id)]


def test_scene_playlist_structure(client, three_segments):
    """The scene playlist joins three segments with two discontinuities and sums to their durations."""
    resp = client.get(scene_url(three_segments, "/playlist.m3u8"))
    assert resp.status_code == 200 and resp.mimetype == "application/vnd.apple.mpegurl"
    durations = check_playlist(resp.get_data(as_text=True), 3, fmp4=False)
    assert sum(durations) == pytest.approx(sum(_segment_durations(three_segments)), abs=0.1)


def test_fmp4_playlists_redeclare_the_map_after_each_discontinuity(app, client, user, worker):
    """With HLS_FORMAT=fmp4 each segment brings its own EXT-X-MAP."""
    app.config.update(HLS_FORMAT="fmp4", GENERATION_IN_FLIGHT_LIMIT=10)
    scene_id = build_scene(user, worker, ["Dawn on the pier.", "Gulls circle the mast."])
    check_playlist(client.get(scene_url(scene_id, "/playlist.m3u8")).get_data(as_text=True), 2, fmp4=True)


def test_ffmpeg_decodes_the_whole_scene_from_its_playlist(app, three_segments, live_server):
    """ffmpeg plays the scene playlist over HTTP for the sum of the segments' durations (± 0.1 s)."""
    done = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", f"{live_server}/scenes/{three_segments}/playlist.m3u8",
         "-map", "0:v:0", "-f", "null", "-", "-progress", "pipe:1", "-nostats"],
        capture_output=True, timeout=120, check=True)
    decoded = int(re.findall(rb"out_time_us=(\d+)", done.stdout)[-1]) / 1e6
    assert decoded == pytest.approx(sum(_segment_durations(three_segments)), abs=0.1)


def test_playlist_is_cached_by_head_with_etag(client, three_segments, user, worker):
    """The playlist has an ETag; an unchanged scene answers 304; a new segment gives a new playlist."""
    first = client.get(scene_url(three_segments, "/playlist.m3u8"))
    etag = first.headers["ETag"]
    assert client.get(scene_url(three_segments, "/playlist.m3u8"), headers={"If-None-Match": etag}).status_code == 304
    scene = db.session.get(Scene, three_segments)
    continue_scene(scene, scene.owner, "The ferry docks at last.", scene.head_segment_id)
    worker()
    grown = client.get(scene_url(three_segments, "/playlist.m3u8"), headers={"If-None-Match": etag})
    assert grown.status_code == 200 and grown.headers["ETag"] != etag
    check_playlist(grown.get_data(as_text=True), 4, fmp4=False)


def test_segment_playlist_plays_one_segment(client, three_segments):
    """/segments/<id>/playlist.m3u8 lists only that segment's parts."""
    head = db.session.get(Scene, three_segments).head
    text = client.get(segment_url(head, "/playlist.m3u8")).get_data(as_text=True)
    check_playlist(text, 1, fmp4=False)
    assert f"/media/segments/{head.public_id}/" in text  # its media lives under its public id


def test_captions_carry_the_prompts_the_picture_does_not_show(client, three_segments):
    """The WebVTT track carries a segment's prompt from its start to its end, except where the renderer already
    drew the prompt into the picture (the local renderer's caption band): no caption repeats burned-in text."""
    path = segment_path(db.session.get(Scene, three_segments).head_segment_id)
    path[1].provider = "runway"  # as if rendered remotely: a picture without the prompt
    db.session.commit()
    vtt = client.get(scene_url(three_segments, "/captions.vtt"))
    assert vtt.mimetype == "text/vtt"
    text = vtt.get_data(as_text=True)
    assert text.startswith("WEBVTT")
    cues = re.findall(r"(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})\n(.+)", text)
    assert len(cues) == 1 and cues[0][0] != "00:00:00.000"  # segments 1 and 3 show their prompt already
    assert cues[0][2] == "A brass lantern flickers in the fog. — mara"


def test_download_is_one_mp4_of_the_branch(app, client, three_segments):
    """download.mp4 is one faststart MP4 whose duration is the sum of the segments, made once per head."""
    resp = client.get(scene_url(three_segments, "/download.mp4"))
    assert resp.status_code == 200 and resp.mimetype == "video/mp4"
    assert "harbour-lights.mp4" in resp.headers["Content-Disposition"]
    body = resp.get_data()
    assert body[4:8] == b"ftyp" and body.find(b"moov") < body.find(b"mdat")  # faststart: index before data
    head = db.session.get(Scene, three_segments).head
    path = storage().local_path(f"branches/{head.public_id}.mp4")
    info = probe(path, exact=True)
    assert info.duration == pytest.approx(sum(_segment_durations(three_segments)), abs=0.1)
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    mtime = path.stat().st_mtime_ns
    client.get(scene_url(three_segments, "/download.mp4"))
    assert path.stat().st_mtime_ns == mtime  # cached by head id, not rebuilt


def test_range_request_answers_206_with_the_right_bytes(client, three_segments):
    """Media is served with HTTP Range, the right MIME types and immutable caching."""
    head = db.session.get(Scene, three_segments).head
    url = storage().url(head.video_key)
    whole = client.get(url).get_data()
    part = client.get(url, headers={"Range": "bytes=100-299"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-299/{len(whole)}"
    assert part.get_data() == whole[100:300]
    assert part.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    ts = client.get(storage().url(f"{head.media_prefix}hls/part00000.ts"))
    assert ts.mimetype == "video/mp2t"
    assert client.get(storage().url(head.poster_key)).mimetype == "image/jpeg"


def test_private_scene_playlist_and_media_need_permission(app, client, auth, user, worker):
    """A private scene's playlist is 404 to others; its signed media URLs work, unsigned ones are refused."""
    scene_id = build_scene(user, worker, ["A locked diary on the desk."], visibility="private")
    assert client.get(scene_url(scene_id, "/playlist.m3u8")).status_code == 404
    assert client.get(scene_url(scene_id, "/download.mp4")).status_code == 404
    auth.login()
    resp = client.get(scene_url(scene_id, "/playlist.m3u8"))
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "private, no-store"
    uri = next(line for line in resp.get_data(as_text=True).splitlines() if "sig=" in line)
    auth.logout()
    make_user("eve")
    auth.login("eve")
    assert client.get(uri).status_code == 200  # the signed URL is the permission
    assert client.get(uri.split("?")[0]).status_code == 404
    tampered = re.sub(r"sig=[0-9a-f]+", "sig=" + "0" * 64, uri)
    assert client.get(tampered).status_code == 404


def test_a_visibility_change_is_not_served_from_the_cached_playlist(client, auth, three_segments):
    """Going private replaces the cached public playlist with a signed, uncached one for the owner."""
    public = client.get(scene_url(three_segments, "/playlist.m3u8")).get_data(as_text=True)
    assert "sig=" not in public
    scene = db.session.get(Scene, three_segments)
    scene.visibility = "private"
    db.session.commit()
    assert client.get(scene_url(three_segments, "/playlist.m3u8")).status_code == 404
    auth.login()
    private = client.get(scene_url(three_segments, "/playlist.m3u8"))
    assert private.headers["Cache-Control"] == "private, no-store" and "sig=" in private.get_data(as_text=True)


def test_captions_escape_prompts_so_webvtt_tags_are_not_honoured(client, user):
    """Guards issue 12 point 10: a prompt's <b>, <c>, <v> tags, & and --> reach captions.vtt as text, so a
    player shows them as written and no cue timing can be forged."""
    from tests.factories import bare_scene, grow

    scene = bare_scene(user)
    prompt = "Mara <b>shouts</b> & <c.red>runs</c> --> 00:00:00.000 --> <v Tom>hi"
    for segment in grow(scene, 2, prompt=prompt):
        segment.provider = "luma"  # a picture without the prompt, so the track carries it
    db.session.commit()
    text = client.get(f"/scenes/{scene.public_id}/captions.vtt").get_data(as_text=True)
    lines = text.splitlines()
    timings = [line for line in lines if "-->" in line]
    assert len(timings) == 2 and all(re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}", t) for t in timings)
    escaped = ("Mara &lt;b&gt;shouts&lt;/b&gt; &amp; &lt;c.red&gt;runs&lt;/c&gt; --&gt; 00:00:00.000 --&gt; "
               "&lt;v Tom&gt;hi — mara")
    assert lines.count(escaped) == 2
    assert "<" not in text and ">" not in text.replace(" --> ", "")


def test_a_versioned_playlist_is_kept_and_the_bare_url_revalidates(client, three_segments, user, worker):
    """``?head=<segment>`` names one version of the branch, cached for good; the bare URL must revalidate, so a
    browser that holds it sees a new segment on its next request; a head that isn't on the branch is 404."""
    scene = db.session.get(Scene, three_segments)
    first, last = (s.public_id for s in segment_path(scene.head_segment_id)[::2])
    bare = client.get(scene_url(three_segments, "/playlist.m3u8"))
    assert bare.headers["Cache-Control"] == "no-cache"
    head = client.get(scene_url(three_segments, f"/playlist.m3u8?head={last}"))
    assert head.headers["Cache-Control"] == "public, max-age=86400, immutable"
    assert head.get_data() == bare.get_data()
    earlier = client.get(scene_url(three_segments, f"/playlist.m3u8?head={first}"))
    check_playlist(earlier.get_data(as_text=True), 1, fmp4=False)
    continue_scene(scene, scene.owner, "The ferry docks at last.", scene.head_segment_id)
    worker()
    again = client.get(scene_url(three_segments, "/playlist.m3u8"), headers={"If-None-Match": bare.headers["ETag"]})
    assert again.status_code == 200
    check_playlist(again.get_data(as_text=True), 4, fmp4=False)
    kept = client.get(scene_url(three_segments, f"/playlist.m3u8?head={last}"))
    assert kept.get_data() == head.get_data()  # the old version still says what it said
    other = db.session.get(Scene, build_scene(make_user("bob"), worker, ["A quiet field."]))
    stranger = segment_path(other.head_segment_id)[0].public_id
    assert client.get(scene_url(three_segments, f"/playlist.m3u8?head={stranger}")).status_code == 404
    assert client.get(scene_url(three_segments, "/playlist.m3u8?head=nothing")).status_code == 404
    assert client.get(scene_url(three_segments, f"/captions.vtt?head={stranger}")).status_code == 404


def test_the_scene_page_plays_the_versioned_playlist_of_its_newest_segment(client, three_segments):
    """The player on the scene page names the newest ready segment in its playlist and captions URLs."""
    scene = db.session.get(Scene, three_segments)
    page = client.get(scene_url(three_segments)).get_data(as_text=True)
    assert f"playlist.m3u8?head={scene.head.public_id}" in page
    assert f"captions.vtt?head={scene.head.public_id}" in page


def test_a_public_scenes_playlist_is_kept_for_everyone_and_served_with_no_sql(client, auth, three_segments, queries):
    """Once built, a public scene's playlist is served to readers and signed-in people alike from one kept copy,
    before the scene or the viewer is loaded: no SQL, the same text and ETag, and a 304 for a current copy. (A
    first view finds the scene's story tree while it builds the playlist; the next one keeps it.)"""
    url = scene_url(three_segments, "/playlist.m3u8")
    built = client.get(url)
    assert client.get(url).get_data() == built.get_data()
    make_user("eve")
    auth.login("eve")
    with queries:
        kept = client.get(url)
    assert queries.count == 0
    assert kept.get_data() == built.get_data() and kept.headers["ETag"] == built.headers["ETag"]
    assert kept.headers["Cache-Control"] == "no-cache"
    with queries:
        assert client.get(url, headers={"If-None-Match": kept.headers["ETag"]}).status_code == 304
    assert queries.count == 0


def test_a_withheld_segment_leaves_the_kept_playlist_at_once(client, three_segments, queries):
    """Moderation withholding a segment moves the story tree's version: the next request builds the playlist
    without its media (a slate stands in, or nothing), and a playlist with a withheld segment is not kept."""
    url = scene_url(three_segments, "/playlist.m3u8")
    scene = db.session.get(Scene, three_segments)
    withheld = segment_path(scene.head_segment_id)[1]
    media = f"/segments/{withheld.public_id}/"
    assert media in client.get(url).get_data(as_text=True) and media in client.get(url).get_data(as_text=True)
    withheld.moderation_state = "hidden"
    forget_branches(withheld)  # as a takedown does (app/moderation/takedown.py)
    db.session.commit()
    assert media not in client.get(url).get_data(as_text=True)
    with queries:
        assert media not in client.get(url).get_data(as_text=True)
    assert queries.count > 0  # built again, not served from a copy kept for everyone


def test_a_private_scenes_playlist_is_never_kept_for_others(client, auth, user, worker, queries):
    """The owner's view of a private scene's playlist (signed URLs) is not kept: a stranger still gets 404."""
    scene_id = build_scene(user, worker, ["A locked diary on the desk."], visibility="private")
    url = scene_url(scene_id, "/playlist.m3u8")
    auth.login()
    assert client.get(url).status_code == 200 and client.get(url).status_code == 200
    auth.logout()
    assert client.get(url).status_code == 404
    make_user("eve")
    auth.login("eve")
    assert client.get(url).status_code == 404
