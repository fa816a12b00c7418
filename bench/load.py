"""Load test: readers signed out and signed in, while writers publish segments through a real worker.

Build the scale world first (``flask seed --scale``, see bench/README.md), then from the repository root:

    .venv/bin/python bench/load.py --database-url postgresql://postgres@127.0.0.1:5432/storyforge_scale \\
        --redis-url redis://127.0.0.1:6379/7 --instance-dir /tmp/sf-scale-instance [--table]

It starts gunicorn with gunicorn.conf.py (production config) on a free loopback port and one
``flask worker`` (local renderer), or uses ``--host`` for a site already running (give that server
LOGIN_LIMIT and GENERATION_HOURLY_LIMIT high enough: every sign-in comes from one address and each
writer publishes dozens of segments an hour). Scene ids and topics are sampled from the database,
after a ``VACUUM ANALYZE`` of it on PostgreSQL, so that every run starts from the same state whether or
not the server's autovacuum is on.

The read mix (the default): ``--users`` readers, ``--signed-in`` of them (half) signed in as seeded
scale-world writers (password in app/seeding/scale.py; each signs in once and keeps the session),
aiming at ``--rate`` requests/s together: home, topic pages, scene pages (recent, random and the
~200-segment ones apart), playlists, the API's scene and Bible reads. Beside them ``--writers``
seeded writers continue recent scenes through the scene page's form and follow the job until the
worker has published the segment, then start the next (``--writers 0`` publishes nothing;
``--no-worker`` starts no worker, for a site that has its own). The render worker takes about 3.5 CPU-s a
segment, so on two cores the writers publish one every 10–60 s; ``--publish-every 3`` adds a publisher
(bench/_load_publisher.py) that makes a publish's two commits on a recent scene every 3 s without rendering,
so the cache versions move as often as the issue's "a segment every few seconds".

``--only PAGE-signed-in`` (or ``-signed-out``) hammers one page with ``--connections`` readers
back to back while the writers publish: with wrk (``wrk -t2 -c16``, as the issue measured pages; signed-in
connections carry the cookies of readers signed in beforehand, bench/_load_wrk.py) when it is installed,
else with locust readers (``--driver``). PAGE ``one-scene`` is one address (the most recent scene), as
wrk on one URL; ``scene`` draws from 5,200 scenes like the read mix; ``long-scene`` draws from the ~500
scenes of 150 segments or more, ``one-long-scene`` is the most recently updated of them. ``--table`` runs the issue's
side-by-side table on one site — single pages at 16 connections, then the read mix at ``--rate`` —
and prints it as Markdown; ``--baseline FILE`` (an earlier run's ``--json``) adds its req/s and p95
beside each row.

Figures: req/s and p50/p95/p99 per endpoint, signed in and signed out apart; the hit rate of every
cache counter /metrics shows (storyforge_page_cache_requests_total …); segments published and how
often the site-wide cache versions moved during the measured window; CPU per request by part; a CPU gauge
before and after (a fixed loop of plain Python: a shared machine's speed can move by a fifth within an
hour, and the same code's figures with it). ``--profile-web FILE`` also samples the web tier's Python with
py-spy during the measured window and prints where its CPU goes (bench/_load_profile.py).
The script exits 1 when any request failed.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import timeit
from dataclasses import asdict, dataclass, field
from pathlib import Path

import _load_wrk
import gevent
import psutil
from _load_people import (
    PAGES,
    PUBLISHED,
    READ_MIX,
    SIGNED_IN,
    WRITER,
    Reader,
    Writer,
    reader_class,
    sample_targets,
    vacuum,
    writer_class,
)
from _load_profile import start_profile
from _load_site import ROOT, Gauges, Site, Window, layout, start_site, window
from locust.env import Environment
from locust.stats import StatsEntry

SIGN_INS = {"/auth/login", "POST /auth/login"}
#: the issue's bar: (req/s at least, p95 below) per table row; None where it sets none
TARGETS = {
    "home-signed-in": (500, None),
    "topic-signed-in": (500, None),
    "scene-signed-in": (300, 100),
    "one-scene-signed-in": (300, 100),
    "long-scene-signed-in": (None, 150),
    "one-long-scene-signed-in": (None, 150),
    "mix": ("rate", 100),
}
TABLE = [
    ("topic-signed-out", "topic page, signed out"),
    ("home-signed-out", "home, signed out"),
    ("scene-signed-out", "a scene page, signed out"),
    ("home-signed-in", "home, signed in"),
    ("topic-signed-in", "topic page, signed in"),
    ("scene-signed-in", "a scene page, signed in"),
    ("one-scene-signed-in", "one scene page, signed in (as wrk -c16 on one URL)"),
    ("long-scene-signed-in", "a 200-segment scene page, signed in"),
    ("one-long-scene-signed-in", "one 200-segment scene page, signed in (as wrk -c16 on one URL)"),
    ("mix", "the read mix (half signed in)"),
]


@dataclass
class Figures:
    name: str
    requests: int
    failures: int
    rps: float
    p50: int
    p95: int
    p99: int


@dataclass
class Run:
    """One measured window: figures per endpoint, the read mix by who reads, and the site's own numbers."""

    label: str
    #: "mix", or the page hammered (e.g. "scene-signed-in")
    page: str = "mix"
    endpoints: dict[str, list[Figures]] = field(default_factory=dict)
    reads: dict[str, Figures] = field(default_factory=dict)
    total: Figures | None = None
    site: Window | None = None
    errors: list[str] = field(default_factory=list)
    load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def cpu_ms_per_request(self) -> dict[str, float]:
        if not (self.site and self.total and self.total.requests):
            return {}
        return {part: round(seconds * 1000 / self.total.requests, 2) for part, seconds in self.site.cpu.items()}


def _figures(name: str, entry) -> Figures:
    pct = entry.get_response_time_percentile
    return Figures(name, entry.num_requests, entry.num_failures, round(entry.total_rps, 1), pct(0.5), pct(0.95),
                   pct(0.99))


def _group(name: str) -> str:
    if name in SIGN_INS:
        return "sign-ins"
    if name.endswith(WRITER) or name == PUBLISHED:
        return "writers"
    return "signed in" if name.endswith(SIGNED_IN) else "signed out"


def people(args, only: str | None) -> list[type]:
    """The locust user classes for the read mix, or for hammering one page."""
    if only:
        page, _, who = only.rpartition("-signed-")
        readers = [reader_class(signed_in=who == "in", count=args.connections, pages={page: 1}, rate_each=0)]
    else:
        signed_in = round(args.users * args.signed_in)
        rate_each = args.rate / args.users if args.rate > 0 else 0
        readers = [reader_class(signed_in=False, count=args.users - signed_in, pages=READ_MIX, rate_each=rate_each),
                   reader_class(signed_in=True, count=signed_in, pages=READ_MIX, rate_each=rate_each)]
    writers = [writer_class(args.writers)] if args.writers else []
    return [cls for cls in [*readers, *writers] if cls.fixed_count]


def measure(label: str, page: str, host: str, gauges: Gauges, classes: list[type], *, spawn_rate: float, warmup: float,
            run_time: float, profile_web: str | None = None) -> Run:
    """Ramp the people up, warm up, then measure for ``run_time`` seconds (profiling the web tier into
    ``profile_web`` meanwhile, when given)."""
    env = Environment(user_classes=classes, host=host)
    runner = env.create_local_runner()
    count = sum(cls.fixed_count for cls in classes)
    runner.start(count, spawn_rate=spawn_rate)
    gevent.sleep(count / spawn_rate + warmup)
    env.stats.reset_all()
    before = gauges.read()
    profile = start_profile(profile_web, gauges.site.web_pid, run_time)
    gevent.sleep(run_time)
    after = gauges.read()
    runner.quit()
    if profile is not None:
        print(profile.finish())
    run = Run(label, page, site=window(before, after), load_average=tuple(round(x, 1) for x in os.getloadavg()))
    reads = {who: StatsEntry(env.stats, f"read mix, {who}", "") for who in ("signed out", "signed in")}
    reads["all"] = StatsEntry(env.stats, "read mix", "")
    for (name, _method), entry in sorted(env.stats.entries.items()):
        if not entry.num_requests:
            continue
        who = _group(name)
        run.endpoints.setdefault(who, []).append(_figures(name, entry))
        if who in reads:
            reads[who].extend(entry)
            reads["all"].extend(entry)
    run.reads = {who: _figures(entry.name, entry) for who, entry in reads.items() if entry.num_requests}
    run.total = _figures("all requests", env.stats.total)
    run.errors = [f"{e.occurrences} x {e.method} {e.name}: {e.error}" for e in env.stats.errors.values()]
    return run


def measure_wrk(label: str, only: str, host: str, gauges: Gauges, writers: list[type], args, targets) -> Run:
    """One page hammered by wrk (bench/_load_wrk.py) while the writers publish: a warm-up run, then the
    measured one."""
    page, _, who = only.rpartition("-signed-")
    signed_in = who == "in"
    cookies = _load_wrk.signed_in_cookies(host, [targets.account() for _ in range(args.connections)]) if signed_in else []
    paths = _load_wrk.addresses(PAGES[page], targets)
    env = Environment(user_classes=writers, host=host)
    runner = env.create_local_runner()
    if writers:
        runner.start(sum(cls.fixed_count for cls in writers), spawn_rate=args.spawn_rate)
    _load_wrk.hammer(host, paths, cookies, connections=args.connections, seconds=args.warmup)
    before = gauges.read()
    profile = start_profile(args.profile_web, gauges.site.web_pid, args.page_time)
    figures, wrk_cpu = _load_wrk.hammer(host, paths, cookies, connections=args.connections, seconds=args.page_time)
    after = gauges.read()
    runner.quit()
    if profile is not None:
        print(profile.finish())
    site = window(before, after)
    site.cpu["load generator"] = round(site.cpu.get("load generator", 0.0) + wrk_cpu, 2)
    name = PAGES[page](targets)[1] + (SIGNED_IN if signed_in else "")
    hammered = Figures(name, figures["requests"], figures["errors"], round(figures["requests"] / figures["seconds"], 1),
                       figures["p50"], figures["p95"], figures["p99"])
    run = Run(label, only, endpoints={"signed in" if signed_in else "signed out": [hammered]}, total=hammered,
              site=site, load_average=tuple(round(x, 1) for x in os.getloadavg()))
    run.errors = [f"{e.occurrences} x {e.method} {e.name}: {e.error}" for e in env.stats.errors.values()]
    return run


def _caches(site: Window) -> str:
    parts = []
    for name, (hits, lookups) in site.caches.items():
        short = name.removeprefix("storyforge_").removesuffix("_requests")
        parts.append(f"{short} {hits}/{lookups} ({hits / lookups:.0%})" if lookups else f"{short} 0/0")
    return ", ".join(parts) or "no lookups"


def print_run(run: Run) -> None:
    print(f"\n== {run.label}: measured for {run.site.seconds} s; load average {run.load_average}\n")
    header = f"{'endpoint':48} {'requests':>9} {'fail':>5} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    row = lambda f: f"{f.name:48} {f.requests:>9} {f.failures:>5} {f.rps:>7} {f.p50:>7} {f.p95:>7} {f.p99:>7}"  # noqa: E731
    for who in ("signed out", "signed in", "writers", "sign-ins"):
        if who in run.endpoints:
            print(f"{who}:\n{header}")
            print("\n".join(row(f) for f in run.endpoints[who]) + "\n")
    print(header)
    print("\n".join(row(f) for f in [*run.reads.values(), run.total]))
    print(f"\nerror rate: {run.total.failures / max(run.total.requests, 1):.2%}")
    for error in run.errors[:10]:
        print(f"  {error}")
    print(f"cache hits: {_caches(run.site)}")
    moves = ", ".join(f"{key} {n}" for key, n in run.site.version_moves.items()) or "none kept"
    print(f"segments published: {run.site.published}; cache versions moved: {moves}")
    if cpu := run.cpu_ms_per_request():
        print("CPU per request: " + ", ".join(f"{part} {ms} ms" for part, ms in cpu.items()))


def headline(run: dict) -> dict:
    """The figures a table row quotes, from a run as --json writes it: the read mix, or the one page hammered."""
    if run.get("page", "mix") == "mix":
        return run["reads"]["all"]
    return next(f for who in ("signed in", "signed out") for f in run["endpoints"].get(who, []))


def load_baseline(path: str | None) -> dict[str, dict]:
    """The runs of an earlier ``--table --json`` by row label, to show beside this one."""
    return {run["label"]: run for run in json.loads(Path(path).read_text())} if path else {}


def verdict(only: str, figures: Figures, rate: float) -> str:
    if only not in TARGETS:
        return ""
    least, p95 = TARGETS[only]
    least = rate * 0.975 if least == "rate" else least
    wanted = [w for w in (f"≥ {least:.0f} req/s" if least else "", f"p95 < {p95} ms" if p95 else "") if w]
    met = (not least or figures.rps >= least) and (not p95 or figures.p95 < p95) and not figures.failures
    return f"{' and '.join(wanted)}: {'met' if met else 'NOT met'}"


def markdown_table(rows: list[tuple[str, str, Run]], rate: float, baseline: dict[str, dict]) -> str:
    """The rows as Markdown; with a baseline, its req/s and p95 beside each row's."""
    before = " before req/s | before p95 ms |" if baseline else ""
    lines = [f"| page |{before} req/s | p50 ms | p95 ms | p99 ms | failed | published | cache hits | load avg | target |",
             "|---|" + "---|" * (9 + 2 * bool(baseline))]
    for only, label, run in rows:
        f = Figures(**headline(asdict(run)))
        was = headline(baseline[label]) if label in baseline else None
        then = (f" {was['rps']:,.0f} | {was['p95']} |" if was else " — | — |") if baseline else ""
        lines.append(f"| {label} |{then} {f.rps:,.0f} | {f.p50} | {f.p95} | {f.p99} | {f.failures} | "
                     f"{run.site.published} | {_caches(run.site)} | {run.load_average[0]} | {verdict(only, f, rate)} |")
    return "\n".join(lines)


def _writing(args) -> str:
    """Who published during the run, and where their segments were rendered, as the table's footer says it."""
    if not args.writers or args.no_worker or args.host:
        rendering = f"{args.writers} writers, no render worker started" if args.writers else "no writers"
    else:
        where = "on idle CPU only" if args.worker_idle else f"at nice +{args.worker_nice}"
        rendering = f"{args.writers} writers rendering through one worker {where}"
    publisher = f"; a publish every {args.publish_every:g} s without rendering" if args.publish_every and not args.host else ""
    return rendering + publisher


def _unwind_on_terminate() -> None:
    """A SIGTERM unwinds the bench as Ctrl-C does, through its own stop, so no gunicorn or publisher outlives
    it. gevent runs the handler in a greenlet of its own (blocking calls, such as waiting for a process to
    stop, are not allowed in a plain signal handler under gevent's loop); the handler raises in the main one."""
    main = gevent.getcurrent()
    gevent.signal_handler(signal.SIGTERM, lambda: main.throw(SystemExit(128 + signal.SIGTERM)))


def cpu_gauge() -> float:
    """Milliseconds this machine takes for a fixed loop of plain Python (best of five; lower is faster): the
    same code's figures move with it, so a run quotes it before and after."""
    return min(timeit.repeat("sum(i * i for i in range(200_000))", number=10, repeat=5)) * 100


def main() -> int:
    args = parse_args()
    gauge = cpu_gauge()
    baseline = load_baseline(args.baseline)
    dead = vacuum(args.database_url)
    targets = sample_targets(args.database_url)
    Reader.targets = Writer.targets = targets
    site = Site(args.host) if args.host else start_site(args, worker=bool(args.writers) and not args.no_worker)
    _unwind_on_terminate()
    gauges = Gauges(site, args.database_url, args.redis_url)
    plan = TABLE if args.table else [(args.only, dict(TABLE).get(args.only, args.only))] if args.only else TABLE[-1:]
    rows = []
    try:
        print(f"load test on {site.url}: {len(targets.random)} random + {len(targets.recent)} recent + "
              f"{len(targets.long)} long scenes; {args.writers} writer(s) publishing"
              + (f", a publisher every {args.publish_every} s" if args.publish_every else "")
              + f"; load average {os.getloadavg()}; {dead} dead rows vacuumed first; CPU gauge {gauge:.2f} ms")
        for only, label in plan:
            page = None if only == "mix" else only
            if page is not None and args.driver == "wrk":
                writers = [cls for cls in people(args, page) if issubclass(cls, Writer)]
                run = measure_wrk(label, only, site.url, gauges, writers, args, targets)
            else:
                run = measure(label, only, site.url, gauges, people(args, page), spawn_rate=args.spawn_rate,
                              warmup=args.warmup, run_time=args.run_time if page is None else args.page_time,
                              profile_web=args.profile_web)
            print_run(run)
            rows.append((only, label, run))
    finally:
        gauges.close()
        site.stop()
        print(f"\n{site.logs()}")
    print(f"\n{markdown_table(rows, args.rate, baseline)}\n\n{psutil.cpu_count()} cores; {layout(args)}; "
          f"{args.connections} connections a page; read mix at {args.rate} req/s offered by {args.users} readers; "
          f"{_writing(args)}; CPU gauge {gauge:.2f} ms before, {cpu_gauge():.2f} ms after (a fixed Python loop, "
          f"lower is faster: the figures move with it)")
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(run) for *_, run in rows], indent=2, ensure_ascii=False))
    return 1 if any(run.total.failures for *_, run in rows) else 0


def parse_args() -> argparse.Namespace:
    pages = [f"{page}-signed-{who}" for page in PAGES for who in ("in", "out")]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="the scale world's database")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7"))
    parser.add_argument("--instance-dir", default=os.environ.get("INSTANCE_DIR", str(ROOT / "instance")),
                        help="the INSTANCE_DIR the scale world was built with (its media live there)")
    parser.add_argument("--host", help="a site already running, e.g. http://127.0.0.1:8000 (nothing is started)")
    parser.add_argument("--users", type=int, default=60, help="readers in the read mix")
    parser.add_argument("--signed-in", type=float, default=0.5, help="share of the readers who are signed in")
    parser.add_argument("--rate", type=float, default=200, help="req/s the readers aim at together (0: flat out)")
    parser.add_argument("--writers", type=int, default=2, help="writers publishing segments (0: none, no worker)")
    parser.add_argument("--no-worker", action="store_true", help="start no worker (the site has its own)")
    parser.add_argument("--publish-every", type=float, default=0,
                        help="besides the writers, publish a segment on a recent scene every this many seconds without "
                             "rendering it (bench/_load_publisher.py, started with the site, so not with --host; 0: none)")
    parser.add_argument("--worker-nice", type=int, default=0, metavar="N",
                        help="run the rendering worker at this niceness (a render machine of its own leaves the web "
                             "tier its cores; 0: the same priority as gunicorn)")
    parser.add_argument("--worker-idle", action="store_true",
                        help="run the rendering worker (and its ffmpeg) only on CPU time the site leaves idle (Linux's "
                             "SCHED_IDLE): the nearest this machine comes to rendering on a machine of its own")
    parser.add_argument("--only", choices=pages, metavar="PAGE-signed-in|PAGE-signed-out",
                        help=f"hammer one page back to back; PAGE is one of {', '.join(PAGES)}")
    parser.add_argument("--connections", type=int, default=16, help="readers hammering a page with --only / --table")
    parser.add_argument("--driver", choices=("wrk", "locust"), default="wrk" if _load_wrk.available() else "locust",
                        help="what hammers one page: wrk (as the issue measured, the default when installed) or locust")
    parser.add_argument("--table", action="store_true", help="the side-by-side table: each page, then the read mix")
    parser.add_argument("--spawn-rate", type=float, default=20, help="people started per second")
    parser.add_argument("--warmup", type=float, default=10, help="seconds after ramp-up that are not measured")
    parser.add_argument("--run-time", type=float, default=60, help="seconds the read mix is measured")
    parser.add_argument("--page-time", type=float, default=15, help="seconds one page is measured (--only, --table)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--profile-web", metavar="FILE",
                        help="sample the web tier's Python with py-spy during the measured window (one page or the mix, "
                             "not --table) into FILE and print where its CPU goes (bench/_load_profile.py)")
    parser.add_argument("--baseline", metavar="FILE", help="an earlier run's --json: its req/s and p95 go beside each row "
                        "(bench/data/load_baseline_2026-12-01.json is the table before the work of issue 19)")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url (or DATABASE_URL): ids to request are sampled from it")
    if args.table and args.only:
        parser.error("--table runs every page; leave out --only")
    if args.profile_web and (args.table or args.host):
        parser.error("--profile-web profiles one run of a site this bench starts: leave out --table and --host")
    return args


if __name__ == "__main__":
    sys.exit(main())
