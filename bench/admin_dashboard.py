"""The admin dashboard on the scale world: time of ``vital_signs`` and of the whole page, and its SQL statements.

Run from the repository root: ``.venv/bin/python bench/admin_dashboard.py [--users 10000 --scenes 50000
--segments 250000] [--repeat 20]``. Builds the scale world (``flask seed --scale`` sizes by default) in a
throwaway SQLite instance, then gives every segment of the last 30 days a generation job (about one in eight
failed, with a provider and an error code, ready 40-400 s after submission) and each writer a sign-in on a
few of those days, so every figure has data. Prints the rows in the window and the median and worst of
--repeat runs: of ``vital_signs`` alone, of the page computing its figures (``?fresh=1``, what "Refresh"
and the first view of a minute cost) and of the page reusing them (``VITAL_SIGNS_CACHE_SECONDS``). The instance folder stays behind (its path is printed): ``--reuse FOLDER`` measures it again
without building anything.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _instance import bench_instance  # noqa: E402


def _fill_window(db, models, now) -> tuple[int, int]:
    from sqlalchemy import insert, select

    rng = random.Random(17)
    start = now - timedelta(days=30)
    has_job = select(models.GenerationJob.segment_id)
    recent = db.session.execute(select(models.Segment.id, models.Segment.author_id, models.Segment.created_at)
                                .where(models.Segment.created_at >= start, models.Segment.id.not_in(has_job))).all()
    jobs = []
    for segment_id, author_id, created in recent:
        failed = rng.random() < 0.12
        jobs.append({"public_id": models.base.new_public_id(), "segment_id": segment_id, "user_id": author_id,
                     "provider": rng.choice(("local", "local", "runway", "luma")),
                     "status": "failed" if failed else "succeeded", "stage": "publish", "progress": 100,
                     "message": "", "attempts": 1, "artifacts": {},
                     "error_code": rng.choice(("SAFETY.INPUT.TEXT", "timeout", "render_failed")) if failed else None,
                     "created_at": created, "updated_at": created,
                     "finished_at": created + timedelta(seconds=rng.uniform(40, 400))})
    writers = sorted({author for _, author, _ in recent})
    sign_ins = [{"user_id": w, "at": now - timedelta(days=rng.uniform(0, 30)), "address": "203.0.113.7"}
                for w in writers for _ in range(rng.randint(1, 6))]
    for table, rows in ((models.GenerationJob, jobs), (models.SignIn, sign_ins)):
        for i in range(0, len(rows), 5000):
            db.session.execute(insert(table), rows[i:i + 5000])
    db.session.commit()
    return len(jobs), len(sign_ins)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--scenes", type=int, default=50_000)
    parser.add_argument("--segments", type=int, default=250_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reuse", help="the instance folder an earlier run printed")
    args = parser.parse_args()
    settings = {"INSTANCE_DIR": args.reuse} if args.reuse else {}

    with bench_instance(**settings) as (app, _env):
        from sqlalchemy import event, func, select

        from app import models
        from app.extensions import db
        from app.metrics import vital_signs
        from app.models import Role, User
        from app.models.base import utcnow
        from app.seeding.scale import build_scale_world
        from app.seeding.shape import WorldSize

        started = time.perf_counter()
        if not args.reuse:
            build_scale_world(WorldSize(args.users, args.scenes, args.segments), clips=1)
            _fill_window(db, models, utcnow())
            admin = User(email="root@example.com", username="root", role=Role.ADMIN.value)
            admin.set_password("bench-admin-password")
            db.session.add(admin)
            db.session.commit()
        window = utcnow() - timedelta(days=30)
        jobs = db.session.scalar(select(func.count()).where(models.GenerationJob.finished_at >= window))
        sign_ins = db.session.scalar(select(func.count()).where(models.SignIn.at >= window))
        segments = db.session.scalar(select(func.count(models.Segment.id)))
        print(f"world: {segments} segments; {jobs} jobs and {sign_ins} sign-ins in the last 30 days "
              f"(ready in {time.perf_counter() - started:.0f} s) at {app.config['INSTANCE_DIR']}")
        session_id = db.session.scalar(select(User).where(User.username == "root")).get_id()

        def timed(run) -> tuple[list[float], list[float]]:
            """Wall and CPU milliseconds of each run (CPU includes SQLite's work, which runs in this process)."""
            wall, cpu = [], []
            for _ in range(args.repeat):
                db.session.remove()
                t0, c0 = time.perf_counter(), time.process_time()
                run()
                wall.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
            return wall, cpu

        signs = timed(lambda: vital_signs(utcnow()))
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        counts = {}
        for url in ("/admin/?fresh=1", "/admin/"):
            statements.clear()
            assert client.get(url).status_code == 200
            counts[url] = len(statements)
        computed = timed(lambda: client.get("/admin/?fresh=1"))
        kept = timed(lambda: client.get("/admin/"))
        load = os.getloadavg()[0]
        for label, (wall, cpu) in (("vital_signs(now)", signs), ("GET /admin/?fresh=1", computed),
                                   ("GET /admin/", kept)):
            print(f"{label:19} wall median {statistics.median(wall):.1f} ms (worst {max(wall):.1f}), "
                  f"CPU median {statistics.median(cpu):.1f} ms (worst {max(cpu):.1f})")
        print(f"SQL statements: {counts['/admin/?fresh=1']} computing the figures (?fresh=1), {counts['/admin/']} with "
              f"the figures of the last {app.config['VITAL_SIGNS_CACHE_SECONDS']} s; "
              f"load average during the run {load:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
