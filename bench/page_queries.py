"""Where a page's time goes: SQL statements, SQL time and total time per page of the load-test mix.

Run from the repository root against the scale world (see bench/README.md):

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/storyforge_scale REDIS_URL=redis://127.0.0.1:6379/7 \\
        INSTANCE_DIR=/tmp/sf-scale-instance .venv/bin/python bench/page_queries.py [--explain] [--profile /scenes/ID]

Each page is requested in-process with the Flask test client (production config, warm caches
aside from the first request): the median wall and CPU time (this process: the app, not
PostgreSQL) of --repeat runs, the number of SQL statements and the time spent in them. --explain prints PostgreSQL's EXPLAIN (ANALYZE, BUFFERS) of every distinct
statement of the pages (with the parameters of its last run); --profile prints the cProfile of
--repeat requests to one path and where their time goes: the self time of every function summed by
the part it belongs to (templates, ORM, the PostgreSQL driver, Redis, session and sign-in, app code,
Flask and Werkzeug), and the inclusive time of the steps that matter (template rendering, loading
the signed-in user, SQL, Redis commands). --as USERNAME signs the client in first (through the sign-in
form; the scale world's writers have the password in app/seeding/scale.py), so signed-in pages are
measured and profiled as their readers get them. --conditional sends each page's ETag back (a
returning browser: the cost of a 304).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import secrets
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: self time is summed by the first of these a function's file path contains
PARTS = (
    ("templates (Jinja, MarkupSafe, the templates' own code)", ("/jinja2/", "/markupsafe/", "/templates/")),
    ("ORM and SQL building (SQLAlchemy)", ("/sqlalchemy/",)),
    ("JSON column values decoded (json)", ("/json/",)),
    ("PostgreSQL driver and round trips (psycopg)", ("/psycopg/", "/psycopg_c/")),
    ("Redis round trips (redis-py)", ("/redis/",)),
    ("session and sign-in (Flask-Login, itsdangerous, sessions)", ("/flask_login/", "/itsdangerous/", "/flask/sessions.py")),
    ("forms and CSRF (WTForms, Flask-WTF)", ("/wtforms/", "/flask_wtf/")),
    ("app code", (f"{ROOT}/app/",)),
    ("Flask and Werkzeug", ("/flask/", "/werkzeug/")),
)
#: inclusive time of these steps (file path ending, function name); they overlap each other
STEPS = (
    ("rendering templates (incl. SQL sent from them)", "flask/templating.py", "_render"),
    ("loading the signed-in user", "app/auth/routes.py", "load_user"),
    ("SQL statements (driver, incl. waiting for PostgreSQL)", "sqlalchemy/engine/default.py", "do_execute"),
    ("Redis commands (incl. waiting)", "redis/client.py", "execute_command"),
    ("Redis scripts (the bounded cache store)", "redis/commands/core.py", "__call__"),
)


@dataclass
class Statements:
    """SQL statements seen while it listens: text, parameters and time."""

    runs: list[tuple[str, object, float]] = field(default_factory=list)
    _started: dict[int, float] = field(default_factory=dict)

    def before(self, conn, cursor, statement, parameters, context, executemany):
        self._started[id(cursor)] = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany):
        took = time.perf_counter() - self._started.pop(id(cursor), time.perf_counter())
        self.runs.append((statement, parameters, took))


def pages(db, models) -> dict[str, str]:
    """One path per kind of page in the load mix, picked from the scale world."""
    from sqlalchemy import func, select

    from app.seeding.clips import MEDIA_SCENE_TITLE

    Scene, Segment = models.Scene, models.Segment
    public = select(Scene.public_id).where(Scene.visibility == "public", Scene.head_segment_id.is_not(None))
    typical = db.session.scalar(public.where(Scene.segment_count.between(4, 6), Scene.title != MEDIA_SCENE_TITLE)
                                .order_by(Scene.id).limit(1))
    long = db.session.scalar(public.order_by(Scene.segment_count.desc(), Scene.id).limit(1))
    slug = db.session.scalar(select(models.Topic.slug).order_by(models.Topic.position).limit(1))
    # the scene whose segments the most forks branch from, and the story tree it grows in
    forks = (select(Segment.scene_id).join(Scene, Scene.forked_from_segment_id == Segment.id)
             .group_by(Segment.scene_id).order_by(func.count(Scene.id).desc()).limit(1))
    most_forked = db.session.get(Scene, db.session.scalar(forks))
    from app.models.paths import segment_path

    root = segment_path(most_forked.head_segment_id)[0].public_id
    return {
        "home": "/",
        "topic": f"/topics/{slug}",
        "scene (5 segments)": f"/scenes/{typical}",
        "scene (longest)": f"/scenes/{long}",
        "playlist (longest, cached)": f"/scenes/{long}/playlist.m3u8",
        "api scene (5 segments)": f"/api/v1/scenes/{typical}",
        "api scene (longest)": f"/api/v1/scenes/{long}",
        "api bible (longest)": f"/api/v1/scenes/{long}/bible",
        "story tree (most forked)": f"/stories/{root}",
    }


def part_of(filename: str) -> str:
    return next((name for name, marks in PARTS if any(mark in filename for mark in marks)), "everything else")


def where_the_time_goes(profiler: cProfile.Profile, requests: int) -> None:
    """Self time per part, and the inclusive time of the STEPS, in ms a request (cProfile's own overhead inflates both).

    Builtins (``str.join``, ``getattr``, a socket's ``recv_into``) count for the part that called them."""
    stats = pstats.Stats(profiler).stats
    parts: dict[str, float] = {}
    for (filename, _line, _function), (_cc, _nc, tottime, _ct, callers) in stats.items():
        if filename == "~" and callers:
            for (caller_file, *_), (_ccc, _cnc, edge_tottime, _cct) in callers.items():
                parts[part_of(caller_file)] = parts.get(part_of(caller_file), 0.0) + edge_tottime
        else:
            parts[part_of(filename)] = parts.get(part_of(filename), 0.0) + tottime
    total = sum(parts.values())
    print(f"\nself time by part, ms a request (of {total * 1000 / requests:.1f} ms under cProfile):")
    for part, seconds in sorted(parts.items(), key=lambda item: -item[1]):
        print(f"  {part:62} {seconds * 1000 / requests:7.1f}  {seconds / total:5.1%}")
    print("inclusive time of steps, ms a request (calls a request):")
    for label, path, name in STEPS:
        found = [(nc, ct) for (f, _l, fn), (_cc, nc, _tt, ct, _c) in stats.items() if f.endswith(path) and fn == name]
        calls, seconds = sum(nc for nc, _ in found), sum(ct for _, ct in found)
        print(f"  {label:62} {seconds * 1000 / requests:7.1f}  ({calls / requests:.0f} calls)")


def sign_in(client, username: str) -> None:
    """Sign the test client in as ``username`` through the sign-in form (the scale world's password)."""
    from app.seeding.scale import SCALE_PASSWORD

    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    answer = client.post("/auth/login", data={"identifier": username, "password": SCALE_PASSWORD,
                                              "csrf_token": token.group(1) if token else ""})
    if answer.status_code != 302:
        sys.exit(f"signing in as {username} answered {answer.status_code}, not a redirect")


def production_app():
    """The app as production configures it (settings not given in the environment filled in for a bench)."""
    os.environ.setdefault("STORYFORGE_ENV", "production")
    os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
    os.environ.setdefault("PUBLIC_BASE_URL", "http://localhost")
    os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
    from app import create_app

    return create_app()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each distinct statement")
    parser.add_argument("--profile", metavar="PATH", help="cProfile --repeat requests to PATH")
    parser.add_argument("--as", dest="username", metavar="USERNAME", help="sign in as USERNAME first (e.g. writer00042)")
    parser.add_argument("--conditional", action="store_true",
                        help="send back each page's ETag (If-None-Match): the cost of a returning browser's 304")
    args = parser.parse_args()
    from sqlalchemy import event

    app = production_app()
    from app import models
    from app.extensions import db

    with app.app_context():
        paths = pages(db, models)
        db.session.remove()
    client = app.test_client()
    if args.username:
        sign_in(client, args.username)
    seen = Statements()
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", seen.before)
        event.listen(db.engine, "after_cursor_execute", seen.after)
    print(f"{'page':28} {'path':34} {'status':>6} {'ms':>8} {'cpu ms':>7} {'sql':>5} {'sql ms':>8} {'KB':>6}")
    distinct: dict[str, tuple[str, object]] = {}
    for label, path in paths.items():
        timings, cpu, response = [], [], None
        etag = client.get(path).headers.get("ETag") if args.conditional else None
        for _ in range(args.repeat):
            seen.runs.clear()
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path, headers={"If-None-Match": etag} if etag else {})
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        sql_ms = sum(t for *_, t in seen.runs) * 1000
        print(f"{label:28} {path:34} {response.status_code:>6} {statistics.median(timings):>8.1f} "
              f"{statistics.median(cpu):>7.1f} {len(seen.runs):>5} {sql_ms:>8.1f} {len(response.data) / 1024:>6.0f}")
        for statement, parameters, _ in seen.runs:
            distinct.setdefault(" ".join(statement.split()), (statement, parameters))
    if args.profile:
        client.get(args.profile)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.repeat):
            client.get(args.profile)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        where_the_time_goes(profiler, args.repeat)
    if args.explain:
        with app.app_context(), db.engine.connect() as conn:
            if conn.dialect.name != "postgresql":
                sys.exit("--explain needs PostgreSQL")
            for statement, parameters in distinct.values():
                print("\n" + "=" * 100 + "\n" + " ".join(statement.split())[:600])
                cursor = conn.connection.driver_connection.cursor()
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                print("\n".join(row[0] for row in cursor.fetchall()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
