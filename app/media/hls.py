"""HLS: package one segment once, then join segments' playlists without touching media.

A segment is packaged by stream copy into ``index.m3u8`` + ``init.mp4`` +
``part00000.m4s`` … (or ``part00000.ts`` …) with relative URIs. A scene's
playlist is text work only: the media playlists along the scene's path,
separated by ``#EXT-X-DISCONTINUITY`` and with the init section re-declared
per segment, URIs rewritten to wherever the parts are served from. Its cost
grows with the number of parts and nothing else.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.media.ffmpeg import DEFAULT_TIMEOUT, MediaError, require_file, run_ffmpeg

PLAYLIST_NAME = "index.m3u8"
INIT_NAME = "init.mp4"
SEGMENT_EXTENSIONS = {"fmp4": "m4s", "mpegts": "ts"}
#: EXT-X-MAP outside I-frame playlists needs protocol version 6; fMP4 players expect 7
FMP4_VERSION = 7
#: floating-point EXTINF durations need version 3
TS_VERSION = 3

#: how a part's playlist-relative URI ("part00001.m4s") becomes the URI in the joined playlist
UriResolver = Callable[[str], str]

_ATTRIBUTE_RE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


@dataclass(frozen=True)
class MediaSegment:
    """One HLS media segment: its duration in seconds and its URI."""

    duration: float
    uri: str


@dataclass(frozen=True)
class MediaPlaylist:
    """The parts of one packaged clip, as its media playlist lists them."""

    target_duration: int
    segments: tuple[MediaSegment, ...]
    map_uri: str | None = None

    @property
    def total_duration(self) -> float:
        """Sum of the segments' durations in seconds."""
        return sum(segment.duration for segment in self.segments)


def package_hls(
    src: Path,
    out_dir: Path,
    *,
    segment_seconds: float = 2,
    fmt: str = "fmp4",
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Path:
    """Cut ``src`` into HLS parts in ``out_dir`` by stream copy; return the media playlist path.

    ``fmt`` is "fmp4" (``init.mp4`` + ``partNNNNN.m4s``) or "mpegts" (``partNNNNN.ts``).
    Parts start at keyframes, so ``src`` should be normalized with a keyframe
    every ``segment_seconds``.
    """
    if fmt not in SEGMENT_EXTENSIONS:
        raise ValueError(f"HLS format must be one of {sorted(SEGMENT_EXTENSIONS)}, got {fmt!r}")
    src = require_file(Path(src), "package HLS")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    playlist = out_dir / PLAYLIST_NAME
    fmp4 = ["-hls_fmp4_init_filename", INIT_NAME] if fmt == "fmp4" else []
    run_ffmpeg(
        [
            "-loglevel", "error", "-i", src,
            "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy",
            "-f", "hls", "-hls_time", f"{segment_seconds:g}", "-hls_playlist_type", "vod",
            "-hls_segment_type", fmt, *fmp4,
            "-hls_segment_filename", out_dir / f"part%05d.{SEGMENT_EXTENSIONS[fmt]}",
            "-hls_flags", "independent_segments+temp_file",
            "-y", playlist,
        ],
        what=f"package {src.name} as HLS",
        timeout=timeout,
    )
    return playlist


def parse_media_playlist(text: str) -> MediaPlaylist:
    """Read a VOD media playlist as :func:`package_hls` writes it.

    Raises MediaError for master playlists, byte ranges, and playlists that
    already contain discontinuities or several init sections.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or lines[0] != "#EXTM3U":
        raise MediaError("not an HLS playlist: it does not start with #EXTM3U")
    target = None
    map_uri = None
    segments: list[MediaSegment] = []
    pending: float | None = None
    for line in lines[1:]:
        tag, _, value = line.partition(":")
        if tag == "#EXT-X-TARGETDURATION":
            target = int(value)
        elif tag == "#EXT-X-MAP":
            if map_uri is not None:
                raise MediaError("HLS playlist declares more than one EXT-X-MAP")
            map_uri = _attributes(value).get("URI")
            if not map_uri:
                raise MediaError("HLS playlist has an EXT-X-MAP without URI")
        elif tag == "#EXTINF":
            pending = float(value.split(",", 1)[0])
        elif tag in ("#EXT-X-STREAM-INF", "#EXT-X-BYTERANGE", "#EXT-X-DISCONTINUITY"):
            raise MediaError(f"HLS playlist uses {tag}, which a single packaged segment never has")
        elif not line.startswith("#"):
            if pending is None:
                raise MediaError(f"HLS playlist lists {line!r} without an #EXTINF before it")
            segments.append(MediaSegment(pending, line))
            pending = None
    if not segments:
        raise MediaError("HLS playlist lists no media segments")
    if target is None:
        target = _target_duration(segment.duration for segment in segments)
    return MediaPlaylist(target_duration=target, segments=tuple(segments), map_uri=map_uri)


def join_playlists(parts: Sequence[tuple[MediaPlaylist, str | UriResolver]]) -> str:
    """Build one VOD playlist that plays ``parts`` in order, separated by discontinuities.

    Each part comes with either a URL prefix ("seg/41/") or a function that
    turns the part's relative URI into the URI to serve (an absolute or
    presigned URL). All parts must be of one kind: all fMP4 or all MPEG-TS.
    """
    if not parts:
        raise ValueError("join_playlists needs at least one part")
    fmp4 = parts[0][0].map_uri is not None
    if any((playlist.map_uri is not None) != fmp4 for playlist, _ in parts):
        raise MediaError("cannot join fMP4 and MPEG-TS segments in one playlist")
    target = _target_duration(segment.duration for playlist, _ in parts for segment in playlist.segments)
    lines = [
        "#EXTM3U",
        f"#EXT-X-VERSION:{FMP4_VERSION if fmp4 else TS_VERSION}",
        f"#EXT-X-TARGETDURATION:{target}",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    for index, (playlist, where) in enumerate(parts):
        resolve = where if callable(where) else _prefixer(where)
        if index:
            lines.append("#EXT-X-DISCONTINUITY")
        if playlist.map_uri is not None:
            lines.append(f'#EXT-X-MAP:URI="{resolve(playlist.map_uri)}"')
        for segment in playlist.segments:
            lines.append(f"#EXTINF:{segment.duration:.6f},")
            lines.append(resolve(segment.uri))
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def _target_duration(durations: Iterable[float]) -> int:
    # round away float noise first so 2.0000001 does not become a 3 s target
    return max((math.ceil(round(duration, 3)) for duration in durations), default=1)


def _prefixer(prefix: str) -> UriResolver:
    return lambda uri: f"{prefix}{uri}"


def _attributes(value: str) -> dict[str, str]:
    return {key: raw.strip('"') for key, raw in _ATTRIBUTE_RE.findall(value)}
