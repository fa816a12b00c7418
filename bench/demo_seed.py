"""How long a fresh site takes to show the demo: `flask seed --demo`, then one `flask worker`, as `manage.py run` does.

Run from the repository root: ``python bench/demo_seed.py``. Uses a throwaway
instance folder (SQLite, embedded Redis, local media). Prints the time from
the seed command to the first poster, to a poster on every demo scene, and to
the last demo segment being ready, counted from the seed command's start.
"""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _instance import ROOT, bench_instance  # noqa: E402

TIMEOUT = 600


def main() -> None:
    with bench_instance() as (_app, env):
        from sqlalchemy import func, select

        from app.extensions import db
        from app.models import GenerationJob, Scene, Segment
        from app.seeding.demo import DEMO_SCENES, demo_segment_count

        started = time.perf_counter()
        subprocess.check_call([sys.executable, "-m", "flask", "seed", "--demo"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL)
        seeded = time.perf_counter() - started
        worker = subprocess.Popen([sys.executable, "-m", "flask", "worker"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        first_poster = all_posters = None
        try:
            while time.perf_counter() - started < TIMEOUT:
                db.session.expire_all()
                posters = db.session.scalar(select(func.count(Scene.id)).where(
                    Scene.head_segment_id.is_not(None), Scene.forked_from_segment_id.is_(None)))
                ready = db.session.scalar(select(func.count(Segment.id)).where(Segment.status == "ready"))
                failed = db.session.scalar(select(func.count(GenerationJob.id)).where(GenerationJob.status == "failed"))
                now = time.perf_counter() - started
                if failed:
                    raise SystemExit(f"{failed} demo segment(s) failed")
                if posters and first_poster is None:
                    first_poster = now
                if posters == len(DEMO_SCENES) and all_posters is None:
                    all_posters = now
                if ready == demo_segment_count():
                    break
                time.sleep(0.1)
            else:
                raise SystemExit(f"timed out with {ready} of {demo_segment_count()} segments ready")
            done = time.perf_counter() - started
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(30)

    print(f"{'measure':<52}{'value':>10}")
    print(f"{'seed command (queues only)':<52}{seeded:>8.1f} s")
    print(f"{'first poster':<52}{first_poster:>8.1f} s")
    print(f"{f'a poster on all {len(DEMO_SCENES)} demo scenes':<52}{all_posters:>8.1f} s")
    print(f"{f'all {demo_segment_count()} demo segments ready (incl. the fork)':<52}{done:>8.1f} s")


if __name__ == "__main__":
    main()
