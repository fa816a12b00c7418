"""What a media file contains, read from ffmpeg itself (there is no ffprobe).

``ffmpeg -i FILE`` with no output prints the container and stream summary on
stderr and exits 1; :func:`probe` parses that summary. When a container does
not state its duration, or when the caller asks for ``exact``, the video
stream is decoded to the null muxer and the end time ffmpeg reports is used.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from app.media.ffmpeg import MediaError, require_file, run_ffmpeg, stderr_tail

_INPUT_RE = re.compile(r"^Input #0, (?P<format>.+?), from ", re.MULTILINE)
_DURATION_RE = re.compile(r"^\s*Duration: (?:(?P<h>\d+):(?P<m>\d+):(?P<s>[\d.]+)|N/A)", re.MULTILINE)
_STREAM_RE = re.compile(r"^\s*Stream #0:\d+\S*: (?P<kind>Video|Audio): (?P<rest>.*)$", re.MULTILINE)
_SIZE_RE = re.compile(r"^(\d+)x(\d+)\b")
_RATE_RE = re.compile(r"^([\d.]+)(k?) (fps|tbr)$")
_HZ_RE = re.compile(r"^(\d+) Hz$")
_CHANNELS_RE = re.compile(r"^(\d+) channels?$")
_LAYOUT_CHANNELS = {
    "mono": 1, "stereo": 2, "2.1": 3, "3.0": 3, "quad": 4, "4.0": 4, "5.0": 5, "5.1": 6, "6.1": 7, "7.1": 8,
}
_OUT_TIME_RE = re.compile(r"^out_time_us=(\d+)$", re.MULTILINE)
_PTS_TIME_RE = re.compile(r"Parsed_showinfo.*?\bpts_time:\s*(-?[\d.]+)")


@dataclass(frozen=True)
class MediaInfo:
    """The facts about a clip that the pipeline checks and records."""

    format_name: str
    duration: float
    video_codec: str
    width: int
    height: int
    fps: float
    pix_fmt: str | None
    audio_codec: str | None = None
    audio_sample_rate: int | None = None
    audio_channels: int | None = None

    @property
    def has_audio(self) -> bool:
        """True when the file carries an audio track."""
        return self.audio_codec is not None


def probe(path: Path, *, exact: bool = False) -> MediaInfo:
    """Describe the file at ``path``; raise :class:`MediaError` if it holds no readable video.

    The duration comes from the container header (to 0.01 s) unless it is
    missing or ``exact`` is set, in which case the video stream is decoded.
    """
    path = require_file(Path(path), "probe")
    text = run_ffmpeg(["-i", path], what=f"probe {path.name}", check=False).stderr.decode("utf-8", "replace")
    fmt = _INPUT_RE.search(text)
    if fmt is None:
        raise MediaError(f"probe {path.name}: not a media file ffmpeg can read", stderr_tail(text))
    video = audio = None
    for match in _STREAM_RE.finditer(text):
        fields = _split_fields(match["rest"])
        if match["kind"] == "Video" and video is None and "(attached pic)" not in match["rest"]:
            video = fields
        elif match["kind"] == "Audio" and audio is None:
            audio = fields
    if video is None:
        raise MediaError(f"probe {path.name}: the file has no video stream", stderr_tail(text))

    width, height, pix_fmt, fps = _video_fields(video)
    if width is None or height is None:
        raise MediaError(f"probe {path.name}: cannot read the video size", stderr_tail(text))
    duration = None if exact else _header_duration(text)
    if duration is None:
        duration = decoded_duration(path)
    audio_codec, sample_rate, channels = _audio_fields(audio) if audio else (None, None, None)
    return MediaInfo(
        format_name=fmt["format"],
        duration=duration,
        video_codec=video[0].split()[0],
        width=width,
        height=height,
        fps=fps or 0.0,
        pix_fmt=pix_fmt,
        audio_codec=audio_codec,
        audio_sample_rate=sample_rate,
        audio_channels=channels,
    )


def decoded_duration(path: Path) -> float:
    """End time of the first video stream in seconds, found by decoding all of it."""
    path = require_file(Path(path), "measure duration")
    done = run_ffmpeg(
        ["-i", path, "-map", "0:v:0", "-f", "null", "-", "-progress", "pipe:1", "-nostats"],
        what=f"measure duration of {path.name}",
    )
    times = _OUT_TIME_RE.findall(done.stdout.decode("ascii", "replace"))
    if not times:
        raise MediaError(f"measure duration of {path.name}: ffmpeg reported no time", stderr_tail(done.stderr))
    return int(times[-1]) / 1_000_000


def keyframe_times(path: Path) -> list[float]:
    """Presentation times (seconds) of the video keyframes, in order."""
    path = require_file(Path(path), "list keyframes")
    done = run_ffmpeg(
        ["-skip_frame", "nokey", "-i", path, "-map", "0:v:0", "-vf", "showinfo", "-f", "null", "-"],
        what=f"list keyframes of {path.name}",
    )
    return [float(t) for t in _PTS_TIME_RE.findall(done.stderr.decode("utf-8", "replace"))]


def _header_duration(text: str) -> float | None:
    match = _DURATION_RE.search(text)
    if match is None or match["h"] is None:
        return None
    return int(match["h"]) * 3600 + int(match["m"]) * 60 + float(match["s"])


def _split_fields(rest: str) -> list[str]:
    """Split a stream description on commas that are not inside parentheses or brackets."""
    fields, depth, start = [], 0, 0
    for i, char in enumerate(rest):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            fields.append(rest[start:i].strip())
            start = i + 1
    fields.append(rest[start:].strip())
    return fields


def _video_fields(fields: list[str]) -> tuple[int | None, int | None, str | None, float | None]:
    width = height = pix_fmt = fps = tbr = None
    for i, field in enumerate(fields[1:], start=1):
        size = _SIZE_RE.match(field)
        if size and width is None:
            width, height = int(size[1]), int(size[2])
            previous = fields[i - 1]
            if i > 1 and re.fullmatch(r"[a-z0-9_]+(\(.*\))?", previous):
                pix_fmt = previous.split("(")[0]
            continue
        rate = _RATE_RE.match(field)
        if rate:
            value = float(rate[1]) * (1000 if rate[2] else 1)
            if rate[3] == "fps":
                fps = value
            else:
                tbr = value
    return width, height, pix_fmt, _exact_rate(fps or tbr)


def _exact_rate(rate: float | None) -> float | None:
    """ffmpeg prints 29.97 for 30000/1001; give back the NTSC rate it stands for."""
    if rate is None:
        return None
    for nominal in (24, 30, 60, 120):
        ntsc = nominal * 1000 / 1001
        if abs(rate - ntsc) < 0.006:
            return ntsc
    return rate


def _audio_fields(fields: list[str]) -> tuple[str, int | None, int | None]:
    codec = fields[0].split()[0]
    sample_rate = channels = None
    for field in fields[1:]:
        hz = _HZ_RE.match(field)
        if hz:
            sample_rate = int(hz[1])
            continue
        layout = field.split("(")[0]
        count = _CHANNELS_RE.match(field)
        if count:
            channels = int(count[1])
        elif layout in _LAYOUT_CHANNELS and channels is None:
            channels = _LAYOUT_CHANNELS[layout]
    return codec, sample_rate, channels
