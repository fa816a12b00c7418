"""Nudity in rendered frames: NudeNet's ONNX detector (shipped in its wheel) on the CPU.

Frames are sampled at a fixed rate (at least one a second) plus the clip's last frame, each
scored by NudeNet; a frame's score is its most confident detection of an exposed body part
that the content policy covers. Nothing is downloaded: the model file is inside the wheel.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from app.media.ffmpeg import MediaError, run_ffmpeg
from app.media.frames import TO_JPEG_COLORS, last_frame
from app.media.probe import probe

#: NudeNet's labels that the content policy covers (covered parts, faces, feet and bellies are fine)
EXPLICIT_LABELS = frozenset({
    "FEMALE_BREAST_EXPOSED", "FEMALE_GENITALIA_EXPOSED", "MALE_GENITALIA_EXPOSED", "BUTTOCKS_EXPOSED", "ANUS_EXPOSED",
})

_lock = threading.Lock()


@dataclass(frozen=True)
class FrameScore:
    """One sampled frame: its time in the clip, its file, the strongest explicit label and its score."""

    at: float
    path: Path
    label: str | None
    score: float


@cache
def _detector():
    from nudenet import NudeDetector  # imported on first use: onnxruntime is heavy for the web process

    return NudeDetector(providers=["CPUExecutionProvider"])


def sample_frames(video: Path, dest: Path, *, per_second: float = 1.0) -> list[tuple[float, Path]]:
    """JPEGs of ``video`` at ``per_second`` frames a second (from t=0) and its last frame, as (time, path)."""
    dest.mkdir(parents=True, exist_ok=True)
    duration = probe(video).duration
    run_ffmpeg(
        ["-loglevel", "error", "-i", video, "-map", "0:v:0",
         "-vf", f"fps={per_second}:start_time=0:round=down,scale={TO_JPEG_COLORS}",
         "-c:v", "mjpeg", "-q:v", "3", "-f", "image2", "-y", dest / "frame-%04d.jpg"],
        what=f"sample frames of {video.name}",
    )
    frames = [((index) / per_second, path) for index, path in enumerate(sorted(dest.glob("frame-*.jpg")))]
    if not frames:
        raise MediaError(f"sample frames of {video.name}: ffmpeg produced no frame")
    last = dest / "last.jpg"
    last.write_bytes(last_frame(video))
    frames.append((round(duration, 3), last))
    return frames


def score_frame(path: Path) -> tuple[str | None, float]:
    """The strongest explicit detection in the image at ``path``: (label, score), or (None, 0.0)."""
    with _lock:  # one ONNX session per process, used by one thread at a time
        detections = _detector().detect(str(path))
    explicit = [d for d in detections if d["class"] in EXPLICIT_LABELS]
    if not explicit:
        return None, 0.0
    best = max(explicit, key=lambda d: d["score"])
    return best["class"], round(float(best["score"]), 4)

