"""What a scene's reads cost on their first, second and third view, with Redis emptied: CPU per request, in process.

A load test that draws from thousands of scenes spends most of its time on views nobody made before (the
kept copies and the remembered story trees are in Redis, which it empties first). This measures those
views alone, read by read, against the scale world (see bench/README.md):

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/storyforge_scale REDIS_URL=redis://127.0.0.1:6379/7 \\
        INSTANCE_DIR=/tmp/sf-scale-instance .venv/bin/python bench/first_views.py [--scenes 150] [--profile READ]

For each read (the scene's playlist, its API read, its page) and each kind of viewer (signed out; signed in as
a scale-world writer), ``--scenes`` public scenes nobody has viewed are read three times in turn, and a member
then reads what readers read: the median and mean CPU milliseconds of this process (the app, not PostgreSQL
or Redis) and the SQL statements per request. Each read and viewer gets scenes of its own; Redis is emptied
once, before the first read. Run it from a worktree to compare two versions of the code on the same world.
``--profile READ`` (``scene page``, say) profiles the signed-in first views of that read instead and prints where
their time goes (``page_queries.where_the_time_goes``).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

READS = {"playlist": "/scenes/{}/playlist.m3u8", "api scene": "/api/v1/scenes/{}", "scene page": "/scenes/{}"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenes", type=int, default=150, help="scenes per read and viewer")
    parser.add_argument("--as", dest="username", default="writer00042", help="the signed-in viewer")
    parser.add_argument("--profile", choices=READS, help="profile the signed-in first views of this read")
    args = parser.parse_args()
    from page_queries import Statements, production_app, sign_in, where_the_time_goes
    from sqlalchemy import event, text

    app = production_app()
    from app.extensions import db, redis_client

    wanted = args.scenes * 2 * len(READS)
    with app.app_context():
        refs = [row[0] for row in db.session.execute(text(
            "SELECT public_id FROM scenes WHERE visibility = 'public' AND head_segment_id IS NOT NULL "
            "ORDER BY md5(public_id) LIMIT :n"), {"n": wanted})]
        redis_client().flushdb()
        seen = Statements()
        event.listen(db.engine, "before_cursor_execute", seen.before)
        event.listen(db.engine, "after_cursor_execute", seen.after)
    if len(refs) < wanted:
        sys.exit("The database has too few public scenes: build the scale world first (see bench/README.md).")
    readers, members = app.test_client(), app.test_client()
    sign_in(members, args.username)
    members.get("/help")  # the sign-in's message is seen: what follows are plain views
    batches = iter(refs[i:i + args.scenes] for i in range(0, wanted, args.scenes))
    if args.profile:
        return profile_first_views(members, READS[args.profile], next(batches), where_the_time_goes)

    def views(client, address: str, batch: list[str]) -> str:
        cpu, statements = [], 0
        for ref in batch:
            seen.runs.clear()
            started = time.process_time()
            response = client.get(address.format(ref))
            cpu.append((time.process_time() - started) * 1000)
            statements += len(seen.runs)
            if response.status_code != 200:
                sys.exit(f"{address.format(ref)} answered {response.status_code}")
        return (f"{statistics.median(cpu):>7.2f} {statistics.mean(cpu):>7.2f} "
                f"{statements / len(batch):>5.1f}")

    print(f"{'read':11} {'viewer':10} {'view':14} {'median':>7} {'mean':>7} {'sql':>5}   (CPU ms a request)")
    for read, address in READS.items():
        read_by_readers = None
        for viewer, client in (("signed out", readers), ("signed in", members)):
            batch = next(batches)
            read_by_readers = read_by_readers or batch
            for view in ("first", "second", "third"):
                print(f"{read:11} {viewer:10} {view:14} {views(client, address, batch)}")
        print(f"{read:11} {'signed in':10} {'after readers':14} {views(members, address, read_by_readers)}")
    return 0


def profile_first_views(client, address: str, batch: list[str], where_the_time_goes) -> int:
    import cProfile

    profiler = cProfile.Profile()
    for ref in batch:
        profiler.enable()
        response = client.get(address.format(ref))
        profiler.disable()
        if response.status_code != 200:
            sys.exit(f"{address.format(ref)} answered {response.status_code}")
    print(f"first views of {address}, signed in, {len(batch)} scenes")
    where_the_time_goes(profiler, len(batch))
    return 0


if __name__ == "__main__":
    sys.exit(main())
