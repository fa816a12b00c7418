"""Where the web tier's CPU goes under load (bench/load.py --profile-web FILE).

py-spy samples every gunicorn process while one of its threads holds the GIL (Python running, not waiting on
PostgreSQL or Redis), for the measured window only, and writes the stacks to FILE (py-spy's raw format, which
flamegraph.pl and speedscope read). The summary sums them the way bench/page_queries.py sums a cProfile: the
self time of each part (templates, ORM, the PostgreSQL driver, Redis, app code, …), the inclusive share of the
steps that matter, and the app's functions that hold the most of it.

py-spy attaches to processes it did not start, which Linux allows root (or anyone when
``kernel.yama.ptrace_scope`` is 0).
"""
from __future__ import annotations

import collections
import re
import shutil
import subprocess
import sys
from pathlib import Path

from page_queries import STEPS, part_of

ROOT = Path(__file__).resolve().parent.parent
#: samples a second and process (py-spy's default is 100; fewer keep its own CPU out of the figures)
RATE = 50
_FRAME = re.compile(r"^(?P<name>.*) \((?P<file>.*):\d+\)$")


def py_spy() -> str | None:
    here = Path(sys.executable).parent / "py-spy"
    return str(here) if here.exists() else shutil.which("py-spy")


class WebProfile:
    """py-spy recording the gunicorn master ``pid`` and its workers for ``seconds``, into ``path``."""

    def __init__(self, path: str, pid: int, seconds: float):
        self.path, self.pid, self.seconds = path, pid, seconds
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = py_spy()
        if binary is None:
            sys.exit("--profile-web needs py-spy (requirements-dev.txt)")
        self.process = subprocess.Popen(
            [binary, "record", "--pid", str(self.pid), "--subprocesses", "--gil", "--nonblocking", "--rate", str(RATE),
             "--duration", str(max(1, round(self.seconds))), "--format", "raw", "--output", self.path],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def finish(self) -> str:
        """Wait for py-spy and return the summary of what it recorded (or why there is none)."""
        assert self.process is not None
        _, errors = self.process.communicate(timeout=self.seconds + 60)
        if self.process.returncode != 0 or not Path(self.path).exists():
            return f"py-spy recorded nothing (exit {self.process.returncode}): {errors.strip()[-500:]}"
        return summary(Path(self.path).read_text())


def start_profile(path: str | None, pid: int | None, seconds: float) -> WebProfile | None:
    """py-spy recording the gunicorn master ``pid`` and its workers for ``seconds``, when ``path`` is given."""
    if not path or pid is None:
        return None
    profile = WebProfile(path, pid, seconds)
    profile.start()
    return profile


def _frames(stack: str) -> list[tuple[str, str]]:
    """(function, file) of each frame, innermost last. py-spy names a file relative to the directory it was
    imported from (the repository, site-packages, the standard library): the repository's get their full path
    back, the others a leading slash, so that ``part_of`` reads them as it reads cProfile's."""
    found = []
    for frame in stack.split(";"):
        if match := _FRAME.match(frame):
            file = match["file"]
            found.append((match["name"], str(ROOT / file) if (ROOT / file).exists() else f"/{file.lstrip('/')}"))
    return found


def summary(raw: str, top: int = 25) -> str:
    """Self time by part, the STEPS' inclusive share and the app functions with the largest one, from py-spy's raw
    output (``frame;frame;… count`` a line, innermost frame last)."""
    total, parts, steps, functions = 0, collections.Counter(), collections.Counter(), collections.Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples, frames = int(count), _frames(stack)
        if not frames:
            continue
        total += samples
        parts[part_of(frames[-1][1])] += samples
        steps.update({label: samples for label, path, name in STEPS
                      if any(f.endswith(path) and (n == name or n.endswith(f".{name}")) for n, f in frames)})
        app = {f"{n} ({f.removeprefix(f'{ROOT}/')})" for n, f in frames if f.startswith(f"{ROOT}/app/")}
        functions.update(dict.fromkeys(app, samples))  # once a stack, however often it recurs in it
    if not total:
        return "py-spy recorded no sample holding the GIL"
    lines = [f"web CPU profile: {total} samples holding the GIL (py-spy, {RATE} a second and process)",
             "self time by part:"]
    lines += [f"  {part:62} {n / total:6.1%}" for part, n in parts.most_common()]
    lines.append("inclusive share of steps:")
    lines += [f"  {label:62} {steps[label] / total:6.1%}" for label, _, _ in STEPS]
    lines.append(f"the app's functions by inclusive share (top {top}):")
    lines += [f"  {name[:62]:62} {n / total:6.1%}" for name, n in functions.most_common(top)]
    return "\n".join(lines)
