"""Render seconds per 5 s segment of the local renderer, now and before it read the prompt.

Wall time follows the load on the machine; CPU time (this process plus the ffmpeg encoder) is
the steadier figure to compare.

Run from the repository root: ``python bench/prompt_render.py [--before REV]``. The earlier
renderer is loaded from git (default: the last revision with the single-file
``app/providers/video/local.py``) and the two are timed in turn on the same requests, so
load on the machine falls on both alike. Prints a plain table.
"""
from __future__ import annotations

import argparse
import importlib.util
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.providers.video.base import RenderRequest  # noqa: E402
from app.providers.video.local import render_clip  # noqa: E402

SINGLE_FILE = "app/providers/video/local.py"
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
PROMPTS = (
    "A woman in a bright red coat stands in a field at noon.",
    "Two children in yellow raincoats chase a dog past a black cat on a rooftop at night in the rain.",
)


def earlier_renderer(rev: str | None) -> tuple[str, ModuleType]:
    """The single-file renderer at ``rev`` (default: the parent of the commit that removed it), imported."""
    if rev is None:
        removed = subprocess.run(["git", "rev-list", "-1", "HEAD", "--", SINGLE_FILE], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout.strip()
        rev = f"{removed}^"
    source = subprocess.run(["git", "show", f"{rev}:{SINGLE_FILE}"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout
    path = Path(tempfile.mkdtemp(prefix="bench-before-")) / "local_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("local_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    label = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.strip()
    return label, module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="git revision of the earlier renderer")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    label, before = earlier_renderer(args.before)
    requests = [("Bible: two characters, lantern, fog at dusk", RenderRequest(prompt="bench", seed=1, bible=BIBLE))]
    requests += [(f"prompt only: {prompt[:48]}…", RenderRequest(prompt=prompt, seed=1, bible={"action": prompt}))
                 for prompt in PROMPTS]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-prompt-render-") as tmp:
        out = Path(tmp) / "clip.mp4"
        for name, request in requests:
            wall: dict[str, list[float]] = {"before": [], "now": []}
            cpu: dict[str, list[float]] = {"before": [], "now": []}
            for _ in range(args.runs):
                for which, render in (("before", before.render_clip), ("now", render_clip)):
                    started, spent = time.perf_counter(), cpu_seconds()
                    render(request, out)
                    wall[which].append(time.perf_counter() - started)
                    cpu[which].append(cpu_seconds() - spent)
            rows.append((name, *(statistics.median(t[w]) for t in (wall, cpu) for w in ("before", "now"))))
    width = max(len(row[0]) for row in rows)
    print(f"seconds to render one 5 s 640x360 segment, median of {args.runs}; before = {label}")
    print(f"{'request':<{width}}  {'wall before':>11}  {'wall now':>8}  {'cpu before':>10}  {'cpu now':>7}  cpu ratio")
    for name, wall_was, wall_now, cpu_was, cpu_now in rows:
        print(f"{name:<{width}}  {wall_was:>11.3f}  {wall_now:>8.3f}  {cpu_was:>10.3f}  {cpu_now:>7.3f}  "
              f"{cpu_now / cpu_was:.2f}x")


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and its finished children (the encoder)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
