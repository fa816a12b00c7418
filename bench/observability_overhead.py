"""What request ids, JSON logs and Prometheus metrics cost on the read mix.

    .venv/bin/python bench/observability_overhead.py [--requests 3000] [--rounds 5]

Builds a throwaway instance (SQLite, embedded Redis; a small scale world of writers, scenes and
segments), then serves the same sequence of signed-out reads (bench/load.py's Reader mix: home, topic
pages, scene pages, scene playlists, the API's scene and Bible reads) through two apps in this process:
one built as in production (metrics in multiprocess mode, as under gunicorn) and one without the
observability wiring. Each round serves the sequence in chunks of 100 requests, each chunk through both
apps one right after the other (which goes first alternates), so both see the same machine load; it
prints requests per second for each (median of the rounds) and the overhead: the median, over every
chunk, of the cost ratio of the pair (robust to load that drifts while it runs). In-process WSGI calls leave out the socket and gunicorn's own work, so the
share it prints is an upper bound on what a server sees. Target: under 5%.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

# metrics as under gunicorn: written to per-process files (must be set before prometheus_client loads)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="sf-bench-metrics-")
os.environ.setdefault("LOG_FORMAT", "json")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._instance import bench_instance  # noqa: E402

MIX = [("home", 4), ("topic", 3), ("scene", 4), ("playlist", 4), ("api_scene", 3), ("api_bible", 1)]


def read_paths(count: int, seed: int = 11) -> list[str]:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Scene, Topic

    topics = db.session.scalars(select(Topic.slug)).all()
    scenes = db.session.scalars(select(Scene.public_id).where(Scene.visibility == "public",
                                                             Scene.head_segment_id.is_not(None)).limit(2000)).all()
    rng = random.Random(seed)
    kinds = [kind for kind, weight in MIX for _ in range(weight)]
    paths = []
    for _ in range(count):
        kind = rng.choice(kinds)
        scene = rng.choice(scenes)
        paths.append({
            "home": "/", "topic": f"/topics/{rng.choice(topics)}", "scene": f"/scenes/{scene}",
            "playlist": f"/scenes/{scene}/playlist.m3u8", "api_scene": f"/api/v1/scenes/{scene}",
            "api_bible": f"/api/v1/scenes/{scene}/bible",
        }[kind])
    return paths


def serve(app, paths: list[str]) -> tuple[float, float]:
    """Wall seconds and seconds of this process's CPU time to serve ``paths`` through ``app`` (every answer
    must be 200). CPU time is what the verdict uses: on a shared machine other processes change the wall
    clock, not the work a request costs."""
    client = app.test_client()
    started, cpu = time.perf_counter(), time.process_time()
    for path in paths:
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        response.close()
    return time.perf_counter() - started, time.process_time() - cpu


CHUNK = 100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per app (alternating)")
    parser.add_argument("--scenes", type=int, default=400)
    args = parser.parse_args()

    with bench_instance(PAGE_CACHE_SECONDS="300") as (app, env):
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        import app.observability as observability
        from app import create_app
        from app.observability.requests import _count_statement
        from app.seeding.scale import build_scale_world
        from app.seeding.shape import WorldSize

        print("building a small world …", flush=True)
        build_scale_world(WorldSize(users=100, scenes=args.scenes, segments=args.scenes * 5), clips=1)
        paths = read_paths(args.requests)

        observed = create_app()
        wiring = observability.init_app
        observability.init_app = lambda app: None
        try:
            bare = create_app()
        finally:
            observability.init_app = wiring

        def without_sql_counting():
            if event.contains(Engine, "before_cursor_execute", _count_statement):
                event.remove(Engine, "before_cursor_execute", _count_statement)

        def with_sql_counting():
            if not event.contains(Engine, "before_cursor_execute", _count_statement):
                event.listen(Engine, "before_cursor_execute", _count_statement)

        for app_, setup in ((bare, without_sql_counting), (observed, with_sql_counting)):  # warm both
            setup()
            serve(app_, paths[: len(paths) // 5])
        figures = {"without": [], "with": []}
        paired = ([], [])  # per chunk: CPU (wall) seconds with / without, the same requests back to back
        runs = {"without": (bare, without_sql_counting), "with": (observed, with_sql_counting)}
        for _ in range(args.rounds):
            spent = {name: [0.0, 0.0] for name in runs}
            for number, start in enumerate(range(0, len(paths), CHUNK)):
                chunk = paths[start:start + CHUNK]
                took = {}
                for name in (("without", "with") if number % 2 == 0 else ("with", "without")):
                    app_, setup = runs[name]
                    setup()
                    took[name] = wall, cpu = serve(app_, chunk)
                    spent[name][0] += wall
                    spent[name][1] += cpu
                for index in (0, 1):
                    paired[index].append(took["with"][index] / took["without"][index])
            for name, (wall, cpu) in spent.items():
                figures[name].append((len(paths) / wall, len(paths) / cpu))

        print(f"read mix, {args.requests} requests x {args.rounds} rounds per app, in-process WSGI")
        overheads = {}
        for index, clock in ((0, "wall"), (1, "CPU")):
            base = statistics.median(v[index] for v in figures["without"])
            measured = statistics.median(v[index] for v in figures["with"])
            # the verdict: the median over chunks of the paired cost ratio, which load that drifts
            # between rounds (other processes on the machine) moves far less than whole-round rates
            overheads[clock] = (1 - 1 / statistics.median(paired[index])) * 100
            print(f"  {clock:>4} time: without {base:7.1f} req/s, with {measured:7.1f} req/s "
                  f"(rounds without: {', '.join(f'{v[index]:.0f}' for v in figures['without'])}; "
                  f"with: {', '.join(f'{v[index]:.0f}' for v in figures['with'])})")
        overhead = overheads["CPU"]
        print(f"  overhead: {overhead:.1f}% of throughput per CPU second ({overheads['wall']:.1f}% by wall clock; "
              f"median of {len(paired[1])} paired chunks of {CHUNK} requests); "
              "target: under 5%")
        scrape_started = time.perf_counter()
        scrape = observed.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
        print(f"  one /metrics scrape: {(time.perf_counter() - scrape_started) * 1000:.1f} ms, "
              f"{len(scrape.data) // 1024} KB")
        return 0 if overhead < 5 else 1


if __name__ == "__main__":
    sys.exit(main())
