"""Segments are packaged as HLS once; a scene's playlist joins them as text, with discontinuities."""
from __future__ import annotations

import math
import re

import pytest

from app.media.ffmpeg import MediaError, run_ffmpeg
from app.media.hls import MediaPlaylist, MediaSegment, join_playlists, package_hls, parse_media_playlist


def _tag_values(text: str, tag: str) -> list[str]:
    return [line.split(":", 1)[1] for line in text.splitlines() if line.startswith(tag + ":")]


def _decoded_seconds(playlist, *extra: str) -> float:
    done = run_ffmpeg(
        ["-loglevel", "error", "-allowed_extensions", "ALL", "-i", playlist, "-map", "0:v:0", *extra,
         "-f", "null", "-", "-progress", "pipe:1", "-nostats"],
        what="play joined playlist",
    )
    times = [line for line in done.stdout.decode().splitlines() if line.startswith("out_time_us=")]
    return int(times[-1].split("=")[1]) / 1e6


@pytest.fixture(scope="module", params=["fmp4", "mpegts"])
def packaged(request, normalized_segments, tmp_path_factory):
    """The three normalized segments packaged in one format, each in its own folder seg0/ seg1/ seg2/."""
    root = tmp_path_factory.mktemp(f"hls-{request.param}")
    playlists = [package_hls(src, root / f"seg{n}", fmt=request.param) for n, src in enumerate(normalized_segments)]
    return request.param, root, playlists


def test_packaged_playlist_is_valid_vod_with_two_second_parts(packaged):
    """Each segment's playlist is VOD, ends, lists 2 s + 2 s + 1 s parts, all within the target duration."""
    fmt, root, playlists = packaged
    text = playlists[0].read_text()
    target = int(_tag_values(text, "#EXT-X-TARGETDURATION")[0])
    durations = [float(v.rstrip(",")) for v in _tag_values(text, "#EXTINF")]
    assert text.startswith("#EXTM3U") and "#EXT-X-PLAYLIST-TYPE:VOD" in text and "#EXT-X-ENDLIST" in text
    assert durations == pytest.approx([2.0, 2.0, 1.0], abs=0.01)
    assert all(round(d) <= target for d in durations) and target == 2
    parsed = parse_media_playlist(text)
    extension = "m4s" if fmt == "fmp4" else "ts"
    assert [s.uri for s in parsed.segments] == [f"part{n:05d}.{extension}" for n in range(3)]
    assert parsed.map_uri == ("init.mp4" if fmt == "fmp4" else None)
    for uri in [s.uri for s in parsed.segments] + ([parsed.map_uri] if parsed.map_uri else []):
        assert (playlists[0].parent / uri).stat().st_size > 0


def test_join_three_segments_structure(packaged):
    """Joining 3 segments: 2 discontinuities, the init section re-declared after each (fMP4), prefixed URIs."""
    fmt, root, playlists = packaged
    parts = [(parse_media_playlist(p.read_text()), f"seg{n}/") for n, p in enumerate(playlists)]
    joined = join_playlists(parts)
    lines = joined.splitlines()
    assert lines[:5] == [
        "#EXTM3U", f"#EXT-X-VERSION:{7 if fmt == 'fmp4' else 3}", "#EXT-X-TARGETDURATION:2",
        "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    assert lines[-1] == "#EXT-X-ENDLIST"
    assert joined.count("#EXT-X-DISCONTINUITY") == 2
    maps = [n for n, line in enumerate(lines) if line.startswith("#EXT-X-MAP")]
    breaks = [n for n, line in enumerate(lines) if line == "#EXT-X-DISCONTINUITY"]
    if fmt == "fmp4":
        assert [lines[n] for n in maps] == [f'#EXT-X-MAP:URI="seg{n}/init.mp4"' for n in range(3)]
        assert [n + 1 for n in breaks] == maps[1:], "each later init section follows its discontinuity"
    else:
        assert not maps
    uris = [line for line in lines if line and not line.startswith("#")]
    assert len(uris) == 9 and all(re.fullmatch(r"seg[0-2]/part0000[0-2]\.(m4s|ts)", u) for u in uris)


def test_joined_playlist_plays_in_ffmpeg_for_the_sum_of_durations(packaged, frame_count):
    """ffmpeg reads the joined playlist written next to the parts: every frame is there, 15 s ± 0.1 s."""
    fmt, root, playlists = packaged
    parts = [(parse_media_playlist(p.read_text()), f"seg{n}/") for n, p in enumerate(playlists)]
    joined = root / "joined.m3u8"
    joined.write_text(join_playlists(parts))
    total = sum(playlist.total_duration for playlist, _ in parts)
    assert total == pytest.approx(15.0, abs=0.01)
    assert _decoded_seconds(joined) == pytest.approx(total, abs=0.1)
    hls = ["-allowed_extensions", "ALL"]
    if fmt == "mpegts":
        assert frame_count(joined, *hls) == 3 * 120
    else:
        # ffmpeg's own fMP4 HLS reader decodes-then-drops the first GOP after a tfdt reset (its mov
        # demuxer is reused across init sections); browsers reset at the discontinuity. Every packet
        # still comes out of the demuxer, which is what this playlist is responsible for.
        done = run_ffmpeg([*hls, "-i", joined, "-map", "0:v:0", "-c", "copy", "-f", "null", "-",
                           "-progress", "pipe:1", "-nostats"], what="demux joined playlist")
        frames = [line for line in done.stdout.decode().splitlines() if line.startswith("frame=")]
        assert int(frames[-1].split("=")[1]) == 3 * 120


def test_join_uses_a_resolver_and_reads_no_media(tmp_path):
    """With a resolver, URIs become absolute (e.g. presigned) URLs; no file needs to exist."""
    part = MediaPlaylist(2, (MediaSegment(2.0, "part00000.m4s"), MediaSegment(2.5, "part00001.m4s")), "init.mp4")
    joined = join_playlists([
        (part, lambda uri: f"https://cdn.example/seg/41/{uri}?sig=abc"),
        (part, lambda uri: f"https://cdn.example/seg/42/{uri}?sig=def"),
    ])
    assert '#EXT-X-MAP:URI="https://cdn.example/seg/42/init.mp4?sig=def"' in joined
    assert "https://cdn.example/seg/41/part00001.m4s?sig=abc" in joined
    assert "#EXT-X-TARGETDURATION:3" in joined, "ceil of the longest EXTINF across all parts"
    assert "#EXTINF:2.500000," in joined


def test_parse_refuses_what_join_cannot_carry():
    """Master playlists, byte ranges and playlists that already have discontinuities are refused."""
    with pytest.raises(MediaError):
        parse_media_playlist("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nlow.m3u8\n")
    with pytest.raises(MediaError):
        parse_media_playlist("#EXTM3U\n#EXTINF:2,\na.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2,\nb.ts\n")
    with pytest.raises(MediaError):
        parse_media_playlist("<html>not a playlist</html>")
    with pytest.raises(MediaError):
        join_playlists([
            (MediaPlaylist(2, (MediaSegment(2, "a.m4s"),), "init.mp4"), ""),
            (MediaPlaylist(2, (MediaSegment(2, "a.ts"),)), ""),
        ])


def test_target_duration_is_ceil_of_longest_part():
    """TARGETDURATION is the ceiling of the longest EXTINF, ignoring float noise like 2.0000001."""
    parts = [(MediaPlaylist(2, (MediaSegment(2.0000001, "a.ts"), MediaSegment(1.2, "b.ts"))), "x/")]
    assert "#EXT-X-TARGETDURATION:2" in join_playlists(parts)
    parts.append((MediaPlaylist(5, (MediaSegment(4.2, "c.ts"),)), "y/"))
    assert f"#EXT-X-TARGETDURATION:{math.ceil(4.2)}" in join_playlists(parts)
