"""The post-generation check's cost: NudeNet on the sampled frames of a 5 s segment, and the text model.

Run from the repository root: ``python bench/moderation.py``. Clips are ffmpeg's moving
test pattern at the house sizes; frames are sampled as the review stage does (one a second
and the last frame). Prints the one-off model load, then per 5 s segment: frame sampling,
NudeNet scoring and the total, the median of five runs.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import imageio_ffmpeg  # noqa: E402

from app.moderation import frames, text  # noqa: E402

RUNS = 5


def _clip(dest: Path, size: str, seconds: int = 5) -> Path:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi",
                    "-i", f"testsrc2=size={size}:rate=24:duration={seconds}", "-c:v", "libx264",
                    "-preset", "veryfast", "-pix_fmt", "yuv420p", str(dest)], check=True)
    return dest


def main() -> None:
    started = time.perf_counter()
    frames._detector()
    print(f"NudeNet (320n.onnx, onnxruntime CPU) load: {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    text.offensive_probability(["warm up"])
    print(f"alt-profanity-check load: {time.perf_counter() - started:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for size in ("640x360", "1280x720"):
            clip = _clip(tmp / f"{size}.mp4", size)
            sampling, scoring, counts = [], [], []
            for run in range(RUNS):
                t0 = time.perf_counter()
                sampled = frames.sample_frames(clip, tmp / f"{size}-{run}")
                t1 = time.perf_counter()
                for _at, path in sampled:
                    frames.score_frame(path)
                t2 = time.perf_counter()
                sampling.append(t1 - t0)
                scoring.append(t2 - t1)
                counts.append(len(sampled))
            s, n = statistics.median(sampling), statistics.median(scoring)
            print(f"5 s segment at {size}: {counts[0]} frames; sampling {s * 1000:.0f} ms, "
                  f"NudeNet {n * 1000:.0f} ms ({n / counts[0] * 1000:.0f} ms a frame), total {(s + n) * 1000:.0f} ms")
    prompts = ["Mara waits on the pier at dawn, her red coat bright against the fog."] * 2
    t0 = time.perf_counter()
    for _ in range(100):
        text.offensive_probability(prompts)
    print(f"profanity check of prompt + expanded prompt: {(time.perf_counter() - t0) * 10:.2f} ms")


if __name__ == "__main__":
    main()
