"""The admin dashboard on the scale world: time of ``vital_signs`` and of the whole page, and its SQL statements.

Run from the repository root: ``.venv/bin/python bench/admin_dashboard.py [--users 10000 --scenes 50000
--segments 250000] [--repeat 20]``. Builds the scale world (``flask seed --scale`` sizes by default) in a
throwaway SQLite instance, then gives every segment of the last 30 days a generation job (about one in eight
failed, with a provider and an error code, ready 40-400 s after submission) and each writer a sign-in on a
few of those days, so every figure has data. Prints the rows in the window and the median and worst of
--repeat runs.
"""
from __future__ import annotations

import argparse
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
    args = parser.parse_args()

    with bench_instance() as (app, _env):
        from sqlalchemy import event

        from app import models
        from app.extensions import db
        from app.metrics import vital_signs
        from app.models import Role, User
        from app.models.base import utcnow
        from app.seeding.scale import build_scale_world
        from app.seeding.shape import WorldSize

        started = time.perf_counter()
        build_scale_world(WorldSize(args.users, args.scenes, args.segments), clips=1)
        now = utcnow()
        jobs, sign_ins = _fill_window(db, models, now)
        print(f"scale world: {args.users} writers, {args.scenes} scenes, {args.segments} segments; "
              f"{jobs} jobs and {sign_ins} sign-ins in the last 30 days (built in {time.perf_counter() - started:.0f} s)")

        admin = User(email="root@example.com", username="root", role=Role.ADMIN.value)
        admin.set_password("bench-admin-password")
        db.session.add(admin)
        db.session.commit()
        session_id = admin.get_id()

        def timed(run) -> list[float]:
            times = []
            for _ in range(args.repeat):
                db.session.remove()
                t0 = time.perf_counter()
                run()
                times.append((time.perf_counter() - t0) * 1000)
            return times

        signs = timed(lambda: vital_signs(utcnow()))
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        assert client.get("/admin/").status_code == 200
        count = len(statements)
        page = timed(lambda: client.get("/admin/"))
        print(f"vital_signs(now): median {statistics.median(signs):.1f} ms, worst {max(signs):.1f} ms")
        print(f"GET /admin/:      median {statistics.median(page):.1f} ms, worst {max(page):.1f} ms, "
              f"{count} SQL statements")


if __name__ == "__main__":
    main()
