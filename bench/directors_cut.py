"""Time the director's cut (moviepy re-encode) of 3 and 10 house-format 5 s segments.

Run from the repository root: ``python bench/directors_cut.py [--runs 3]``. Prints a plain table
with the wall time, the cut's length and how many times faster than real time it was made.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.media.directors_cut import CutClip, CutPlan, make_directors_cut  # noqa: E402
from app.media.normalize import normalize  # noqa: E402
from app.media.probe import probe  # noqa: E402
from app.providers.video.base import RenderRequest  # noqa: E402
from app.providers.video.local import render_clip  # noqa: E402

PLACES = ("Harbor at day", "Dark forest at night", "Desert at dusk", "City street", "Mountain valley")


def house_segments(root: Path, count: int) -> list[Path]:
    """``count`` 5 s 640x360 segments (cycling through a few places), normalized with audio."""
    segments = []
    for number in range(count):
        place = PLACES[number % len(PLACES)]
        request = RenderRequest(
            prompt=f"Mara in the {place}", seed=number,
            bible={"location": {"id": "L1", "name": place, "attributes": {}},
                   "characters": [{"id": "C1", "name": "Mara", "attributes": {"coat": "red"}}],
                   "props": [], "style": None, "action": f"Mara walks through the {place}"},
        )
        raw = render_clip(request, root / f"raw{number}.mp4")
        segments.append(normalize(raw, root / f"segment{number}.mp4", width=640, height=360, fps=24))
    return segments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-cut-") as tmp:
        root = Path(tmp)
        segments = house_segments(root, 10)
        for count in (3, 10):
            plan = CutPlan(
                title="The Lantern at the Harbor", topic="Seaside mysteries",
                clips=[CutClip(path, f"author{n % 3}") for n, path in enumerate(segments[:count])],
                contributors=["author0", "author1", "author2"][:count], characters=["C1 Mara"],
            )
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                out = make_directors_cut(plan, root / f"cut{count}.mp4")
                times.append(time.perf_counter() - started)
            length = probe(out).duration
            seconds = statistics.median(times)
            rows.append((f"director's cut, {count} x 5 s segments", seconds, length))

    width = max(len(name) for name, _, _ in rows)
    print(f"{'operation':<{width}}  {'s':>7}  {'cut s':>6}  {'x realtime':>10}")
    for name, seconds, length in rows:
        print(f"{name:<{width}}  {seconds:>7.2f}  {length:>6.1f}  {length / seconds:>10.1f}")


if __name__ == "__main__":
    main()
