"""Re-encode any provider clip to the house format.

House format: H.264 (libx264) yuv420p BT.709, exact size (scaled to fit, then
padded) and constant frame rate, a keyframe every ``keyframe_seconds``, and
always one AAC 48 kHz stereo track (silence when the source has none) that
ends with the video. Every normalized segment therefore has the same track
layout, which is what lets segments be joined by playlist or by stream copy.
"""
from __future__ import annotations

from pathlib import Path

from app.media.ffmpeg import DEFAULT_TIMEOUT, atomic_output, require_file, run_ffmpeg
from app.media.probe import probe

AUDIO_RATE = 48_000
AUDIO_BITRATE = "128k"


def normalize(
    src: Path,
    dest: Path,
    *,
    width: int,
    height: int,
    fps: int,
    keyframe_seconds: float = 2,
    preset: str = "veryfast",
    crf: int = 23,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Path:
    """Write ``src`` to ``dest`` in the house format and return ``dest``.

    Raises MediaError when ``src`` is not a readable video or ffmpeg fails;
    ``dest`` is only created when the whole encode succeeded.
    """
    src = require_file(Path(src), "normalize")
    if width % 2 or height % 2:
        raise ValueError(f"house size must be even, got {width}x{height}")
    has_audio = probe(src).has_audio
    gop = max(1, round(fps * keyframe_seconds))
    video_chain = (
        f"[0:v:0]fps={fps},"
        f"scale={width}:{height}:force_original_aspect_ratio=decrease:out_color_matrix=bt709:out_range=tv,"
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,format=yuv420p[v]"
    )
    audio_format = f"aresample={AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo"
    if has_audio:
        inputs = ["-i", src]
        # apad + -shortest: a short soundtrack is padded with silence, a long one cut at the video's end
        audio_chain = f"[0:a:0]{audio_format},apad[a]"
    else:
        inputs = ["-i", src, "-f", "lavfi", "-i", f"anullsrc=channel_layout=stereo:sample_rate={AUDIO_RATE}"]
        audio_chain = f"[1:a:0]{audio_format}[a]"
    with atomic_output(Path(dest)) as temp:
        run_ffmpeg(
            [
                "-loglevel", "error",
                *inputs,
                "-filter_complex", f"{video_chain};{audio_chain}",
                "-map", "[v]", "-map", "[a]",
                "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-profile:v", "high",
                "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
                "-force_key_frames", f"expr:gte(t,n_forced*{keyframe_seconds:g})",
                "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
                "-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ar", str(AUDIO_RATE), "-ac", "2",
                "-shortest",
                "-map_metadata", "-1", "-map_chapters", "-1",
                "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
                "-movflags", "+faststart",
                "-f", "mp4", "-y", temp,
            ],
            what=f"normalize {src.name}",
            timeout=timeout,
        )
    return Path(dest)
