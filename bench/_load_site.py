"""The site under load for bench/load.py: gunicorn and a `flask worker` started on loopback, and what is read
from them around a measured window — CPU time per part, cache counters from /metrics, segments published
and how often the cache versions moved.
"""
from __future__ import annotations

import contextlib
import os
import runpy
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
#: the site-wide cache versions (app/cache_versions.py): every key, the home page, the other listings
VERSION_KEYS = ("sf:version:all", "sf:version:home", "sf:version:listings")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Process:
    """A process this script started, with its log."""

    name: str
    process: subprocess.Popen
    log: Path

    def stop(self, wait: float = 60) -> None:
        """SIGTERM, then SIGKILL after ``wait`` s; whatever it started and left running (a worker's job and its
        ffmpeg) is killed too, so that no render outlives its run and slows the next."""
        started = self.tree()[1:]
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(wait)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for child in started:
            with contextlib.suppress(psutil.Error):
                child.kill()

    def tree(self) -> list[psutil.Process]:
        try:
            root = psutil.Process(self.process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return []


@dataclass
class Site:
    """gunicorn (gunicorn.conf.py, production config), optionally one `flask worker` and a publisher
    (bench/_load_publisher.py), sharing a metrics folder."""

    url: str
    web: Process | None = None
    worker: Process | None = None
    publisher: Process | None = None
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="sf-load-")))

    @property
    def web_pid(self) -> int | None:
        """gunicorn's master process (None for a site this bench did not start)."""
        return self.web.process.pid if self.web is not None else None

    @property
    def parts(self) -> list[Process]:
        return [part for part in (self.publisher, self.web, self.worker) if part is not None]

    def stop(self) -> None:
        for part in self.parts:
            part.stop()

    def logs(self) -> str:
        return ", ".join(f"{p.name} log: {p.log}" for p in self.parts)


def layout(args) -> str:
    """The web tier the table measured: gunicorn.conf.py read with this environment (WEB_WORKERS, WEB_THREADS), which
    the site started here inherits; a site given with --host is described by its address only."""
    if args.host:
        return f"the site at {args.host}"
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return f"gunicorn {conf['workers']} processes × {conf['threads']} threads"


def site_env(args, folder: Path, port: int) -> dict[str, str]:
    metrics = folder / "metrics"
    metrics.mkdir(exist_ok=True)
    return {**os.environ, "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url,
            "INSTANCE_DIR": args.instance_dir, "STORYFORGE_ENV": "production", "SESSION_COOKIE_SECURE": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(32),
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "BIND": f"127.0.0.1:{port}", "FLASK_APP": "wsgi.py",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics), "LOGIN_LIMIT": "100000/minute",
            "GENERATION_HOURLY_LIMIT": "100000", "GENERATION_IN_FLIGHT_LIMIT": "100000"}


def _start(name: str, command: list[str], env: dict[str, str], folder: Path, nice: int = 0,
           idle: bool = False) -> Process:
    """``python -m command`` logging to ``folder/name.log``, ``nice`` steps below this process; with ``idle``, it
    (and every program it starts: ffmpeg) runs only on CPU time nothing else wants (Linux's SCHED_IDLE)."""
    def lower_priority() -> None:
        if nice:
            os.nice(nice)
        if idle:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))

    log = folder / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", *command], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, preexec_fn=lower_priority if nice or idle else None)
    return Process(name, process, log)


def start_site(args, *, worker: bool) -> Site:
    """Start gunicorn on a free loopback port (and a worker when asked); return once /readyz answers. With
    ``args.publish_every``, a publisher then starts too (bench/_load_publisher.py)."""
    port = _free_port()
    site = Site(f"http://127.0.0.1:{port}")
    env = site_env(args, site.folder, port)
    site.web = _start("gunicorn", ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], env, site.folder)
    if worker:
        site.worker = _start("worker", ["flask", "worker"], env, site.folder, nice=args.worker_nice,
                             idle=args.worker_idle)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        for part in (site.web, site.worker):
            if part is not None and part.process.poll() is not None:
                site.stop()
                sys.exit(f"{part.name} stopped at start; see {part.log}")
        try:
            with urllib.request.urlopen(f"{site.url}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    if args.publish_every:
                        site.publisher = _start_publisher(args, env, site)
                    return site
        except OSError:
            time.sleep(0.3)
    site.stop()
    sys.exit(f"gunicorn did not become ready in 90 s; see {site.web.log}")


def _start_publisher(args, env: dict[str, str], site: Site) -> Process:
    """bench/_load_publisher.py, once it has published its first segment (the measured windows all have it)."""
    publisher = _start("publisher", ["bench._load_publisher", "--every", str(args.publish_every)], env, site.folder,
                       nice=args.worker_nice)
    deadline = time.monotonic() + 90
    while "published 1" not in publisher.log.read_text(errors="replace"):
        if publisher.process.poll() is not None or time.monotonic() > deadline:
            site.stop()
            sys.exit(f"the publisher published nothing; see {publisher.log}")
        time.sleep(0.3)
    return publisher


def _cpu_seconds(procs: list[psutil.Process], with_children: bool = False) -> dict[int, float]:
    used = {}
    for proc in procs:
        try:
            t = proc.cpu_times()
        except psutil.Error:
            continue
        # ffmpeg and the other programs a worker runs and waits for count as the worker's
        used[proc.pid] = t.user + t.system + ((t.children_user + t.children_system) if with_children else 0.0)
    return used


def _database_backends(database: str) -> list[psutil.Process]:
    backends = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if cmdline.startswith("postgres:") and f" {database} " in cmdline:
            backends.append(proc)
    return backends


@dataclass
class Reading:
    """What is read at each end of a measured window."""

    at: float
    cpu: dict[str, dict[int, float]]
    counters: dict[tuple[str, str], float]
    published: int
    versions: dict[str, int]


class Gauges:
    """Reads the site's figures: CPU per part, cache counters, published segments, cache versions."""

    def __init__(self, site: Site, database_url: str, redis_url: str):
        self.site = site
        self.database = database_url.rsplit("/", 1)[-1].split("?")[0]
        self.engine = create_engine(database_url, pool_size=1)
        self.redis = Redis.from_url(redis_url)

    def read(self) -> Reading:
        return Reading(time.monotonic(), self._cpu(), self._counters(), self._published(), self._versions())

    def _cpu(self) -> dict[str, dict[int, float]]:
        parts = {"web": _cpu_seconds(self.site.web.tree()) if self.site.web else {},
                 "worker": _cpu_seconds(self.site.worker.tree(), with_children=True) if self.site.worker else {},
                 "publisher": _cpu_seconds(self.site.publisher.tree()) if self.site.publisher else {},
                 "database": _cpu_seconds(_database_backends(self.database)),
                 "load generator": _cpu_seconds([psutil.Process()])}
        return {part: used for part, used in parts.items() if used or part not in ("worker", "publisher")}

    def _counters(self) -> dict[tuple[str, str], float]:
        """Every cache counter /metrics shows (a ``result`` label of hit or miss), by (metric, result)."""
        try:
            with urllib.request.urlopen(f"{self.site.url}/metrics", timeout=10) as answer:
                exposition = answer.read().decode()
        except OSError:
            return {}
        found: dict[tuple[str, str], float] = {}
        for family in text_string_to_metric_families(exposition):
            if "cache" not in family.name or family.type != "counter":
                continue
            for sample in family.samples:
                if sample.name.endswith("_total") and sample.labels.get("result") in ("hit", "miss"):
                    key = (family.name, sample.labels["result"])
                    found[key] = found.get(key, 0.0) + sample.value
        return found

    def _published(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM generation_jobs WHERE status = 'succeeded'")).scalar_one()

    def _versions(self) -> dict[str, int]:
        return {key: int(value) for key, value in zip(VERSION_KEYS, self.redis.mget(VERSION_KEYS), strict=True) if value is not None}

    def close(self) -> None:
        self.engine.dispose()
        self.redis.close()


@dataclass
class Window:
    """The site's figures over a measured window."""

    seconds: float
    #: CPU seconds by part: web, worker, database, load generator
    cpu: dict[str, float]
    #: metric name → (hits, lookups)
    caches: dict[str, tuple[int, int]]
    published: int
    #: cache version key → how many times it moved
    version_moves: dict[str, int]


def window(before: Reading, after: Reading) -> Window:
    cpu = {part: round(sum(t - before.cpu.get(part, {}).get(pid, 0.0) for pid, t in times.items()), 2)
           for part, times in after.cpu.items()}
    caches = {}
    for name in sorted({name for name, _ in after.counters}):
        hits = after.counters.get((name, "hit"), 0) - before.counters.get((name, "hit"), 0)
        misses = after.counters.get((name, "miss"), 0) - before.counters.get((name, "miss"), 0)
        caches[name] = (int(hits), int(hits + misses))
    moves = {key: after.versions[key] - before.versions.get(key, 0) for key in after.versions}
    return Window(round(after.at - before.at, 1), cpu, caches, after.published - before.published, moves)
