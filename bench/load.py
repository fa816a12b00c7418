"""Load test: the read mix, and a trickle of sign-ins, against gunicorn + PostgreSQL + Redis on loopback.

Build the scale world first (``flask seed --scale``, see bench/README.md), then from the repository root:

    .venv/bin/python bench/load.py --database-url postgresql://postgres@127.0.0.1:5432/storyforge_scale \\
        --redis-url redis://127.0.0.1:6379/7 --instance-dir /tmp/sf-scale-instance

It starts gunicorn with gunicorn.conf.py (production config) on a free loopback port, or uses
``--host`` for a server already running; samples scene ids and topics from the database; ramps up
locust users (headless, in this process) that each aim at ``--rate / --users`` requests per second;
resets the figures once ramped up and warmed; runs for ``--run-time`` seconds and stops. It prints
requests/s and p50/p95/p99 per endpoint and the error rate, and exits 1 when any request failed.

The mix: home, topic pages, scene pages (recent, random and the ~200-segment ones apart), scene
playlists (.m3u8), the API's scene and Bible reads, and a couple of users who sign in as seeded
writers (password in app/seeding/scale.py), look at the home page and sign out again.
A server given with --host needs LOGIN_LIMIT raised: every sign-in comes from one address.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

import gevent
import psutil
from locust import FastHttpUser, between, constant_throughput, task
from locust.env import Environment
from locust.stats import StatsEntry
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.seeding.scale import SCALE_PASSWORD, writer_name  # noqa: E402

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|<meta name="csrf-token" content="([^"]+)"')
#: the Writer's requests; everything else is the read mix
SIGN_IN_NAMES = {"/auth/login", "POST /auth/login", "/ (signed in)", "POST /auth/logout"}
TARGET_RPS = 200
TARGET_P95_MS = 100


@dataclass
class Targets:
    """What the simulated readers ask for, sampled from the database before the run."""

    topics: list[str]
    recent: list[str]
    random: list[str]
    long: list[str]
    writers: int

    def scene(self) -> str:
        """Half the reads go to what the home and topic pages show, half anywhere public."""
        return random.choice(self.recent if random.random() < 0.5 else self.random)


def sample_targets(database_url: str, sample: int = 5000) -> Targets:
    engine = create_engine(database_url)
    listed = "visibility = 'public' AND head_segment_id IS NOT NULL"
    with engine.connect() as conn:
        ids = lambda sql: [row[0] for row in conn.execute(text(sql))]  # noqa: E731
        targets = Targets(
            topics=ids("SELECT slug FROM topics ORDER BY position"),
            recent=ids(f"SELECT public_id FROM scenes WHERE {listed} ORDER BY updated_at DESC LIMIT 200"),
            random=ids(f"SELECT public_id FROM scenes WHERE {listed} ORDER BY random() LIMIT {sample}"),
            long=ids(f"SELECT public_id FROM scenes WHERE {listed} AND segment_count >= 150"),
            writers=conn.execute(text("SELECT count(*) FROM users WHERE username LIKE 'writer%'")).scalar_one(),
        )
    engine.dispose()
    if not (targets.topics and targets.random and targets.writers):
        sys.exit("The database has no scale world: run `flask seed --scale` first (see bench/README.md).")
    return targets


class Reader(FastHttpUser):
    """Someone browsing: pages, playlists and the JSON API, anonymously."""

    targets: Targets

    @task(4)
    def home(self):
        self.client.get("/", name="/")

    @task(3)
    def topic(self):
        self.client.get(f"/topics/{random.choice(self.targets.topics)}", name="/topics/[slug]")

    @task(4)
    def scene(self):
        self.client.get(f"/scenes/{self.targets.scene()}", name="/scenes/[id]")

    @task(1)
    def long_scene(self):
        if self.targets.long:
            self.client.get(f"/scenes/{random.choice(self.targets.long)}", name="/scenes/[id] (200 segments)")

    @task(4)
    def playlist(self):
        self.client.get(f"/scenes/{self.targets.scene()}/playlist.m3u8", name="/scenes/[id]/playlist.m3u8")

    @task(3)
    def api_scene(self):
        self.client.get(f"/api/v1/scenes/{self.targets.scene()}", name="/api/v1/scenes/[id]")

    @task(1)
    def api_bible(self):
        self.client.get(f"/api/v1/scenes/{self.targets.scene()}/bible", name="/api/v1/scenes/[id]/bible")


class Writer(FastHttpUser):
    """A seeded writer who signs in, looks at the home page and signs out, every few seconds."""

    fixed_count = 2
    wait_time = between(3, 6)
    targets: Targets

    @task
    def sign_in_and_out(self):
        page = self.client.get("/auth/login", name="/auth/login")
        token = _csrf(page.text)
        form = {"identifier": writer_name(random.randint(1, self.targets.writers)), "password": SCALE_PASSWORD,
                "csrf_token": token}
        with self.client.post("/auth/login", data=form, name="POST /auth/login", allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"sign-in answered {response.status_code}, not a redirect")
                return
        home = self.client.get("/", name="/ (signed in)")
        self.client.post("/auth/logout", data={"csrf_token": _csrf(home.text)}, name="POST /auth/logout",
                         allow_redirects=False)


def _csrf(html: str | None) -> str:
    match = CSRF.search(html or "")
    return (match.group(1) or match.group(2)) if match else ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_gunicorn(args) -> Server:
    """gunicorn with gunicorn.conf.py and the production config, on a free loopback port."""
    port = _free_port()
    log = Path(tempfile.mkdtemp(prefix="sf-load-")) / "gunicorn.log"
    env = {**os.environ, "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url,
           "INSTANCE_DIR": args.instance_dir, "STORYFORGE_ENV": "production", "SESSION_COOKIE_SECURE": "0",
           "LOGIN_LIMIT": "100000/minute", "BIND": f"127.0.0.1:{port}"}
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                                   cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn stopped at start; see {log}")
        try:
            with urllib.request.urlopen(f"{server.url}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    server.stop()
    sys.exit(f"gunicorn did not become ready in 60 s; see {log}")


class CpuMeter:
    """CPU seconds used by the web server's processes, the database's backends for its database, and this process."""

    def __init__(self, server: Server | None, database: str):
        self.server, self.database = server, database
        self.start = self.read()

    def _web(self) -> list[psutil.Process]:
        if self.server is None:
            return []
        master = psutil.Process(self.server.process.pid)
        return [master, *master.children(recursive=True)]

    def _database(self) -> list[psutil.Process]:
        backends = []
        for proc in psutil.process_iter(["name", "cmdline"]):
            cmdline = " ".join(proc.info["cmdline"] or [])
            if cmdline.startswith("postgres:") and f" {self.database} " in cmdline:
                backends.append(proc)
        return backends

    @staticmethod
    def _seconds(procs: list[psutil.Process]) -> dict[int, float]:
        used = {}
        for proc in procs:
            try:
                times = proc.cpu_times()
                used[proc.pid] = times.user + times.system
            except psutil.Error:
                continue
        return used

    def read(self) -> dict[str, dict[int, float]]:
        return {"web": self._seconds(self._web()), "database": self._seconds(self._database()),
                "load generator": self._seconds([psutil.Process()])}

    def used(self) -> dict[str, float]:
        """CPU seconds since the meter started (processes that started later count from zero)."""
        now = self.read()
        return {part: sum(t - self.start[part].get(pid, 0.0) for pid, t in times.items()) for part, times in now.items()}


@dataclass
class EndpointFigures:
    name: str
    requests: int
    failures: int
    rps: float
    p50: int
    p95: int
    p99: int


@dataclass
class Report:
    seconds: float
    endpoints: list[EndpointFigures] = field(default_factory=list)
    total: EndpointFigures | None = None
    read_mix: EndpointFigures | None = None
    errors: list[str] = field(default_factory=list)
    #: CPU milliseconds per request, by part (web server, database, load generator)
    cpu_ms_per_request: dict[str, float] = field(default_factory=dict)

    @property
    def error_rate(self) -> float:
        return self.total.failures / self.total.requests if self.total and self.total.requests else 0.0


def _figures(name: str, entry) -> EndpointFigures:
    pct = entry.get_response_time_percentile
    return EndpointFigures(name, entry.num_requests, entry.num_failures, round(entry.total_rps, 1),
                           pct(0.5), pct(0.95), pct(0.99))


def run_load(host: str, targets: Targets, meter_for, *, users: int, spawn_rate: float, rate: float, warmup: float,
             run_time: float) -> Report:
    Reader.targets = Writer.targets = targets
    Reader.wait_time = constant_throughput(rate / users) if rate > 0 else between(0, 0)
    env = Environment(user_classes=[Reader, Writer], host=host)
    runner = env.create_local_runner()
    runner.start(users + Writer.fixed_count, spawn_rate=spawn_rate)
    gevent.sleep((users + Writer.fixed_count) / spawn_rate + warmup)
    env.stats.reset_all()
    meter = meter_for()
    started = time.monotonic()
    gevent.sleep(run_time)
    used = meter.used()
    runner.quit()
    report = Report(round(time.monotonic() - started, 1))
    reads = StatsEntry(env.stats, "read mix", "")
    for (name, _method), entry in sorted(env.stats.entries.items()):
        report.endpoints.append(_figures(name, entry))
        if name not in SIGN_IN_NAMES:
            reads.extend(entry)
    report.read_mix = _figures("read mix", reads)
    report.total = _figures("all requests", env.stats.total)
    report.errors = [f"{e.occurrences} x {e.method} {e.name}: {e.error}" for e in env.stats.errors.values()]
    if report.total.requests:
        report.cpu_ms_per_request = {part: round(seconds * 1000 / report.total.requests, 2) for part, seconds in used.items()}
    return report


def print_report(report: Report) -> None:
    print(f"\nmeasured for {report.seconds} s (after ramp-up and warm-up)\n")
    print(f"{'endpoint':34} {'requests':>9} {'fail':>5} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    rows = [*report.endpoints, report.read_mix, report.total]
    for i, f in enumerate(rows):
        if i == len(report.endpoints):
            print("-" * 82)
        print(f"{f.name:34} {f.requests:>9} {f.failures:>5} {f.rps:>7} {f.p50:>7} {f.p95:>7} {f.p99:>7}")
    print(f"\nerror rate: {report.error_rate:.2%}")
    for error in report.errors[:10]:
        print(f"  {error}")
    if report.cpu_ms_per_request:
        parts = ", ".join(f"{part} {ms} ms" for part, ms in report.cpu_ms_per_request.items())
        serving = report.cpu_ms_per_request.get("web", 0) + report.cpu_ms_per_request.get("database", 0)
        cores = psutil.cpu_count()
        print(f"CPU per request: {parts}")
        if serving:
            print(f"  so {cores} cores serve at most ~{cores * 1000 / serving:.0f} req/s of this mix "
                  f"(web + database only, with nothing else running)")
    mix = report.read_mix
    met = mix.rps >= TARGET_RPS and mix.p95 < TARGET_P95_MS and not report.errors
    print(f"target (read mix >= {TARGET_RPS} req/s, p95 < {TARGET_P95_MS} ms, no errors): {'met' if met else 'NOT met'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="the scale world's database")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7"))
    parser.add_argument("--instance-dir", default=os.environ.get("INSTANCE_DIR", str(ROOT / "instance")),
                        help="the INSTANCE_DIR the scale world was built with (its media live there)")
    parser.add_argument("--host", help="a server already running, e.g. http://127.0.0.1:8000 (none is started)")
    parser.add_argument("--users", type=int, default=40, help="simulated readers")
    parser.add_argument("--spawn-rate", type=float, default=20, help="readers started per second")
    parser.add_argument("--rate", type=float, default=250, help="requests/s the readers aim at together (0: flat out)")
    parser.add_argument("--warmup", type=float, default=10, help="seconds after ramp-up that are not measured")
    parser.add_argument("--run-time", type=float, default=60, help="seconds measured")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url (or DATABASE_URL): ids to request are sampled from it")
    targets = sample_targets(args.database_url)
    server = None if args.host else start_gunicorn(args)
    try:
        host = args.host or server.url
        print(f"load test on {host}: {args.users} readers aiming at {args.rate or 'max'} req/s, "
              f"{len(targets.random)} random + {len(targets.recent)} recent + {len(targets.long)} long scenes")
        database = args.database_url.rsplit("/", 1)[-1].split("?")[0]
        report = run_load(host, targets, lambda: CpuMeter(server, database), users=args.users, spawn_rate=args.spawn_rate, rate=args.rate,
                          warmup=args.warmup, run_time=args.run_time)
    finally:
        if server:
            server.stop()
            print(f"gunicorn log: {server.log}")
    print_report(report)
    if args.json:
        Path(args.json).write_text(json.dumps(asdict(report), indent=2))
    return 1 if report.total.failures else 0


if __name__ == "__main__":
    sys.exit(main())
