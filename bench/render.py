"""Time the media path: local render, normalize, HLS packaging, playlist joins, MP4 concat.

Run from the repository root: ``python bench/render.py``. Prints a plain table.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.media.concat import concat_mp4  # noqa: E402
from app.media.hls import join_playlists, package_hls, parse_media_playlist  # noqa: E402
from app.media.normalize import normalize  # noqa: E402
from app.media.probe import probe  # noqa: E402
from app.providers.video.base import RenderRequest  # noqa: E402
from app.providers.video.local import render_clip  # noqa: E402

BIBLE = {
    "location": {"id": "L1", "name": "Harbor town", "attributes": {"time": "dusk", "color": "teal"}},
    "characters": [
        {"id": "C1", "name": "Mara", "attributes": {"coat": "red", "hair": "blonde"}},
        {"id": "C2", "name": "Tom", "attributes": {"hat": "black", "jacket": "navy blue"}},
    ],
    "props": [{"id": "P1", "name": "brass lantern", "attributes": {}}],
    "style": None,
    "action": "Mara hands Tom the lantern as the fog rolls in over the harbor",
}


def median_seconds(work: Callable[[], object], runs: int = 3) -> float:
    """Median wall time of ``runs`` calls of ``work``."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        root = Path(tmp)
        small = RenderRequest(prompt="bench", seed=1, bible=BIBLE)
        large = RenderRequest(prompt="bench", seed=1, bible=BIBLE, width=1280, height=720)
        clip = root / "clip.mp4"
        rows.append(("local render 5 s 640x360", median_seconds(lambda: render_clip(small, clip)), "median of 3"))
        rows.append(("local render 5 s 1280x720",
                     median_seconds(lambda: render_clip(large, root / "clip720.mp4")), "median of 3"))

        house = root / "house.mp4"
        rows.append(("normalize 5 s to 640x360 house format",
                     median_seconds(lambda: normalize(clip, house, width=640, height=360, fps=24)), "median of 3"))
        rows.append(("package HLS (fMP4, stream copy)",
                     median_seconds(lambda: package_hls(house, root / "hls")), "median of 3"))

        playlist = parse_media_playlist((root / "hls" / "index.m3u8").read_text())
        for count in (1, 10, 50):
            parts = [(playlist, f"seg/{n}/") for n in range(count)]
            per_call = median_seconds(lambda parts=parts: [join_playlists(parts) for _ in range(100)]) / 100
            rows.append((f"join_playlists, {count} segments", per_call, "median of 3 x 100 calls"))

        inputs = [house] * 20
        joined = root / "branch.mp4"
        rows.append(("concat_mp4, 20 segments (stream copy)",
                     median_seconds(lambda: concat_mp4(inputs, joined)), f"{probe(house).duration * 20:.0f} s output"))

    width = max(len(name) for name, _, _ in rows)
    print(f"{'operation':<{width}}  {'ms':>10}  note")
    print(f"{'-' * width}  {'-' * 10}  {'-' * 24}")
    for name, seconds, note in rows:
        print(f"{name:<{width}}  {seconds * 1000:>10.3f}  {note}")


if __name__ == "__main__":
    main()
