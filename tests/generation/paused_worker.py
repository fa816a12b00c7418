"""`flask worker` whose stages can be held at their start, so a test can act while a job is at a
known stage (see ``tests.generation.workers.StagePause``). Run as ``python -m tests.generation.paused_worker``
with PAUSE_DIR set."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from flask.cli import main

from app.generation import stages

PAUSE_DIR = Path(os.environ["PAUSE_DIR"])


def _held(name, stage):
    def run(ctx):
        at = PAUSE_DIR / "at"
        if at.exists() and at.read_text() == name:
            (PAUSE_DIR / "reached").write_text(name)
            deadline = time.monotonic() + 120
            while not (PAUSE_DIR / "go").exists() and time.monotonic() < deadline:
                time.sleep(0.02)
        return stage(ctx)

    return run


# the pipeline reads this very list, so holding its entries holds the stages
stages.STAGES[:] = [(name, _held(name, stage), label, lo, hi) for name, stage, label, lo, hi in stages.STAGES]

if __name__ == "__main__":
    sys.argv = ["flask", "worker"]
    sys.exit(main())
