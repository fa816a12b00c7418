"""Real `flask worker` processes for the pipeline tests, and a way to hold one at a chosen stage.

``start_worker`` runs the CLI's worker against the test's database, Redis, media and work folders.
With ``pause_dir`` it runs ``tests.generation.paused_worker`` instead: the same worker, whose stages
first look for ``<pause_dir>/at`` naming a stage; on reaching that stage it writes
``<pause_dir>/reached`` and waits for ``<pause_dir>/go`` before running the stage.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from app.extensions import db
from app.models import GenerationJob
from tests.factories import by_public_id

ROOT = Path(__file__).resolve().parents[2]


def worker_env(app, extra: dict | None = None) -> dict:
    cfg = app.config
    return {
        **os.environ,
        "FLASK_APP": "wsgi.py",
        "STORYFORGE_ENV": "development",
        "SECRET_KEY": cfg["SECRET_KEY"],
        "DATABASE_URL": cfg["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": cfg["REDIS_URL"],
        "INSTANCE_DIR": str(cfg["INSTANCE_DIR"]),
        "MEDIA_ROOT": cfg["MEDIA_ROOT"],
        "WORK_DIR": str(cfg["WORK_DIR"]),
        "RECONCILE_INTERVAL": "1",
        **(extra or {}),
    }


def start_worker(app, extra: dict | None = None, *, pause_dir: Path | None = None, log: Path | None = None,
                 ) -> subprocess.Popen:
    """A `flask worker` process on all queues (its output goes to ``log`` when given)."""
    env = worker_env(app, extra)
    if pause_dir is not None:
        env["PAUSE_DIR"] = str(pause_dir)
        args = [sys.executable, "-m", "tests.generation.paused_worker"]
    else:
        args = [sys.executable, "-m", "flask", "worker"]
    out = log.open("ab") if log is not None else subprocess.DEVNULL
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT if log else out)


def stop_worker(proc: subprocess.Popen) -> None:
    """SIGINT (a warm shutdown; before RQ's handlers are in place it still unwinds the process, so its
    coverage data is saved), then SIGKILL if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def job_row(job_id: int | str) -> GenerationJob | None:
    """The job's row read afresh, by numeric id or by the public id the API answers with."""
    db.session.expire_all()
    if isinstance(job_id, str):
        return by_public_id(GenerationJob, job_id)
    return db.session.get(GenerationJob, job_id)


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class StagePause:
    """Drives ``paused_worker``: ``hold(stage)`` before the job starts, ``wait_reached()``, ``release()``."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def hold(self, stage: str) -> None:
        for name in ("reached", "go"):
            (self.folder / name).unlink(missing_ok=True)
        (self.folder / "at").write_text(stage)

    def wait_reached(self, timeout: float = 60.0) -> None:
        wait_for(lambda: (self.folder / "reached").exists(), timeout, "the worker to reach the held stage")

    def release(self) -> None:
        (self.folder / "at").unlink(missing_ok=True)
        (self.folder / "go").write_text("go")
