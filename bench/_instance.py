"""A throwaway StoryForge instance for benchmarks: temp folder, SQLite, embedded Redis, migrated and seeded."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def bench_instance(**settings: str):
    """Yield (app, env) inside an app context; env is what worker subprocesses need."""
    instance = Path(tempfile.mkdtemp(prefix="sf-bench-"))
    port = _free_port()
    env = {**os.environ, "INSTANCE_DIR": str(instance), "EMBEDDED_REDIS_PORT": str(port), "FLASK_APP": "wsgi.py",
           "GENERATION_HOURLY_LIMIT": "100000", "GENERATION_IN_FLIGHT_LIMIT": "100000", "RECONCILE_INTERVAL": "3600",
           **settings}
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    os.environ.update(env)

    from app import create_app
    from app.extensions import db
    from app.runtime import embedded_redis
    from app.topics.catalog import seed_topics

    redis_proc = embedded_redis.start(port, instance / "redis")
    try:
        subprocess.check_call([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        app = create_app()
        with app.app_context():
            seed_topics()
            yield app, env
            db.session.remove()
    finally:
        embedded_redis.stop(redis_proc)
