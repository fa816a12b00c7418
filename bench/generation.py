"""End-to-end generation throughput with the local provider, through a real queue and real workers.

Run from the repository root: ``python bench/generation.py [--samples 5] [--batch 12]``.
Uses a throwaway instance folder (SQLite, embedded Redis, local media) and
`flask worker` processes, exactly as `manage.py run` does. Prints:

- submit → ready latency of one segment (median of --samples, one worker idle and waiting);
- segments per minute with one and with two workers on a batch of --batch segments.
"""
from __future__ import annotations

import argparse
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _instance import ROOT, bench_instance  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--batch", type=int, default=12)
    args = parser.parse_args()

    workers: list[subprocess.Popen] = []
    with bench_instance() as (_app, env):
        from tests.factories import make_user

        user = make_user("bench")
        try:
            workers.append(_start_worker(env))
            time.sleep(2)
            latencies = [_one_segment_latency(user, i) for i in range(args.samples)]
            one = _throughput(user, args.batch, "one")
            workers.append(_start_worker(env))
            time.sleep(2)
            two = _throughput(user, args.batch, "two")
        finally:
            for w in workers:
                w.send_signal(signal.SIGTERM)
            for w in workers:
                w.wait(30)

    print(f"{'measure':<46}{'value':>12}")
    print(f"{'submit -> ready, median of ' + str(args.samples):<46}{statistics.median(latencies):>10.2f} s")
    print(f"{'submit -> ready, min / max':<46}{min(latencies):>5.2f}/{max(latencies):.2f} s")
    print(f"{'segments per minute, one worker':<46}{one:>12.1f}")
    print(f"{'segments per minute, two workers':<46}{two:>12.1f}")
    print(f"{'two workers / one worker':<46}{two / one:>11.2f}x")


def _start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_ready(job_ids: list[int], timeout: float = 600) -> None:
    from app.extensions import db
    from app.models import GenerationJob

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        statuses = [db.session.get(GenerationJob, j).status for j in job_ids]
        if all(s in ("succeeded", "failed") for s in statuses):
            if "failed" in statuses:
                raise SystemExit(f"{statuses.count('failed')} segment(s) failed")
            return
        time.sleep(0.05)
    raise SystemExit("timed out")


def _one_segment_latency(user, i: int) -> float:
    from tests.factories import make_scene

    started = time.perf_counter()
    job_id = make_scene(user, title=f"Latency {i}", prompt=f"Mara, in a red coat, crosses the harbour at dusk ({i}).").job.id
    _wait_ready([job_id])
    return time.perf_counter() - started


def _throughput(user, batch: int, label: str) -> float:
    from tests.factories import make_scene

    started = time.perf_counter()
    jobs = [make_scene(user, title=f"Batch {label} {i}", prompt=f"Tom waves a lantern on the pier, take {i}.").job.id
            for i in range(batch)]
    _wait_ready(jobs)
    return batch / ((time.perf_counter() - started) / 60)


if __name__ == "__main__":
    main()
