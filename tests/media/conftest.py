"""Media fixtures: real clips rendered and encoded once per session, and a frame decoder.

Runs without the root conftest too: ``python -m pytest tests/media --confcutdir=tests/media``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from app.media.ffmpeg import run_ffmpeg
from app.media.normalize import normalize
from app.providers.video.base import RenderRequest
from app.providers.video.local import LocalVideoProvider

HOUSE = {"width": 640, "height": 360, "fps": 24}

RED_COAT_BIBLE = {
    "location": {"id": "L1", "name": "Harbor", "attributes": {"time": "day", "color": "teal"}},
    "characters": [{"id": "C1", "name": "Mara", "attributes": {"coat": "red", "hair": "blonde"}}],
    "props": [{"id": "P1", "name": "lantern", "attributes": {"color": "gold"}}],
    "style": None,
    "action": "Mara waits on the pier",
}


@dataclass
class Render:
    """A clip the local provider rendered, with what it reported on the way."""

    request: RenderRequest
    task_id: str
    path: Path
    progress: list[tuple[float, str]] = field(default_factory=list)


def lavfi_clip(dest: Path, video: str, audio: str | None = None, seconds: float = 3.3) -> Path:
    """Encode an ffmpeg test pattern (``testsrc=...``) with an optional lavfi audio source."""
    inputs = ["-f", "lavfi", "-i", f"{video}:duration={seconds}"]
    if audio:
        inputs += ["-f", "lavfi", "-i", audio]
    run_ffmpeg(
        ["-loglevel", "error", *inputs, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
         *(["-c:a", "aac"] if audio else []), "-y", dest],
        what="make test clip",
    )
    return dest


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def red_coat_request() -> RenderRequest:
    return RenderRequest(prompt="Mara waits on the pier at noon", seed=11, bible=RED_COAT_BIBLE)


@pytest.fixture(scope="session")
def rendered(media_dir, red_coat_request) -> Render:
    """A 5 s 640x360 clip made through the provider's start → wait → fetch flow."""
    provider = LocalVideoProvider(media_dir / "work")
    task_id = provider.start(red_coat_request)
    progress: list[tuple[float, str]] = []
    result = provider.wait(task_id, red_coat_request, lambda fraction, text: progress.append((fraction, text)))
    path = provider.fetch(result, media_dir / "rendered.mp4")
    return Render(red_coat_request, task_id, path, progress)


@pytest.fixture(scope="session")
def odd_source(media_dir) -> Path:
    """A 4:3 320x240 30 fps clip of 3.3 s whose 2 s mono 44.1 kHz soundtrack ends early."""
    return lavfi_clip(
        media_dir / "odd.mp4", "testsrc=size=320x240:rate=30", "sine=frequency=440:sample_rate=44100:duration=2"
    )


@pytest.fixture(scope="session")
def silent_source(media_dir) -> Path:
    """A 25 fps 800x600 clip of 3 s with no audio track at all."""
    return lavfi_clip(media_dir / "silent.mp4", "testsrc2=size=800x600:rate=25", seconds=3)


@pytest.fixture(scope="session")
def long_audio_source(media_dir) -> Path:
    """A 2 s 24 fps 320x240 video whose soundtrack runs on to 5 s."""
    return lavfi_clip(media_dir / "long-audio.mp4", "testsrc=size=320x240:rate=24", "sine=duration=5", seconds=2)


@pytest.fixture(scope="session")
def normalized_segments(media_dir, rendered) -> list[Path]:
    """Three house-format segments: the rendered clip and two other seeds/places."""
    provider = LocalVideoProvider(media_dir / "work")
    sources = [rendered.path]
    for seed, place in ((12, "Dark forest"), (13, "City street")):
        request = RenderRequest(
            prompt=f"segment in the {place}", seed=seed,
            bible={**RED_COAT_BIBLE, "location": {"id": f"L{seed}", "name": place, "attributes": {}}},
        )
        result = provider.wait(provider.start(request), request)
        sources.append(Path(result.output_url))
    return [
        normalize(src, media_dir / f"segment{number}.mp4", **HOUSE) for number, src in enumerate(sources)
    ]


@pytest.fixture(scope="session")
def decode_frame():
    """decode_frame(path, index) -> the frame as an (h, w, 3) uint8 array, decoded by ffmpeg."""

    def decode(path: Path, index: int, width: int = 640, height: int = 360) -> np.ndarray:
        done = run_ffmpeg(
            ["-loglevel", "error", "-i", path, "-vf", f"select=eq(n\\,{index})", "-fps_mode", "passthrough",
             "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
            what="decode test frame",
        )
        return np.frombuffer(done.stdout, np.uint8).reshape(height, width, 3)

    return decode


@pytest.fixture(scope="session")
def frame_count():
    """frame_count(path) -> how many video frames ffmpeg decodes from the file (or playlist)."""

    def count(path: Path, *extra: str) -> int:
        done = run_ffmpeg(
            ["-loglevel", "error", *extra, "-i", path, "-map", "0:v:0", "-fps_mode", "passthrough",
             "-f", "null", "-", "-progress", "pipe:1", "-nostats"],
            what="count frames",
        )
        frames = [line for line in done.stdout.decode().splitlines() if line.startswith("frame=")]
        return int(frames[-1].split("=")[1])

    return count
