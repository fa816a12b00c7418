"""Production server settings: ``gunicorn -c gunicorn.conf.py wsgi:app``. Every value can be set from the environment.

Sized for a small machine (2 cores): four processes a core, two threads each. Rendering pages is CPU
work under one GIL per process, and a thread that waits on PostgreSQL or Redis gives the GIL back each
time, then waits for it again behind whichever thread is building a page in the same process: with four
threads a process, the kept home page, 5 ms at the median, had a p95 of 67 ms in the read mix. At
a fixed rate of the read mix, 8 processes x 2 threads had a lower p95 than 4 x 4 in each of five
interleaved pairs (median 150 ms against 290 on a slow machine), and the signed-in topic page served
742 req/s at 2.4 ms of web CPU a request against 460 at 3.7 ms (bench/README.md, "Two threads a
process"). Keep-alive connections stay with the process that accepted them, so fewer processes leave a
core idle (bench/README.md, "Two web processes a core"). Each process
holds about 230 MB once the prompt-reading pipeline is loaded. Keep DB_POOL_SIZE >= WEB_THREADS and
processes x (DB_POOL_SIZE + DB_MAX_OVERFLOW) under max_connections (see config.engine_options).
"""
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


bind = os.environ.get("BIND", "0.0.0.0:8000")
worker_class = "gthread"
# four a core of two threads each (see above): fewer threads a process wait less for its GIL
workers = _int("WEB_WORKERS", 4 * multiprocessing.cpu_count())
threads = _int("WEB_THREADS", 2)
timeout = _int("WEB_TIMEOUT", 60)
graceful_timeout = _int("WEB_GRACEFUL_TIMEOUT", 30)
keepalive = _int("WEB_KEEPALIVE", 5)
# recycle workers now and then (a leak stays bounded); the jitter keeps them from restarting together. A new
# process costs about 2.7 s of CPU (the app's imports and the prompt-reading pipeline) before it serves a
# request: at 10,000 requests a process and 1,000 req/s on four processes that was a restart every 10 s,
# a quarter of a core spent booting under load; at 100,000 it is one every 100 s
max_requests = _int("WEB_MAX_REQUESTS", 100_000)
max_requests_jitter = max_requests // 10
# an access log line costs about as much as a cached page (bench/load.py): off unless asked for ("-" = stdout)
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Load the prompt-reading pipeline before the worker takes requests (about 1 s, once per process)."""
    from app.continuity import language

    language.parse("Warm up.")


def child_exit(server, worker):
    """A web process that ended leaves its counters for /metrics; its live gauges go with it."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
