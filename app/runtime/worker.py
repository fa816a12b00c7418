"""The RQ worker process: jobs in the main thread, housekeeping in a background thread.

RQ's own scheduler runs as a forked child that inherits the parent's database
sockets and outlives a killed parent, so scheduled retries are moved onto their
queues by the housekeeping thread instead, together with the reconciler that
resumes generations whose worker died.
"""
from __future__ import annotations

import threading

from flask import Flask
from rq.scheduler import RQScheduler

from app.extensions import db, redis_client
from app.generation.recovery import recover_orphans
from app.moderation.classifiers import warm_up
from app.moderation.takedown import purge_expired_quarantine
from app.observability.jobs import ObservedWorker

#: how often a worker deletes removed media whose quarantine has run out
QUARANTINE_SWEEP_SECONDS = 3600


def run_worker(app: Flask, queues: list[str], burst: bool = False) -> None:
    """Work the queues until stopped (or, with ``burst``, until they are empty)."""
    from app.continuity import language

    language.parse("Warm up.")  # the prompt-reading pipeline loads before the first job, not inside it
    resumed = recover_orphans()
    if resumed:
        app.logger.warning("resumed %d interrupted generation(s): %s", len(resumed), resumed)
    db.session.remove()
    stop = threading.Event()
    threading.Thread(target=warm_up, daemon=True, name="moderation-models").start()
    if not burst:
        threading.Thread(target=_housekeeping, args=(app, queues, stop), daemon=True, name="housekeeping").start()
    try:
        ObservedWorker(queues, connection=redis_client()).work(burst=burst, with_scheduler=False)
    finally:
        stop.set()


def _housekeeping(app: Flask, queues: list[str], stop: threading.Event) -> None:
    with app.app_context():
        scheduler = RQScheduler(queues, connection=redis_client())
        interval = app.config["RECONCILE_INTERVAL"]
        ticks = 0
        while not stop.wait(1.0):
            ticks += 1
            try:
                scheduler.acquire_locks()
                scheduler.enqueue_scheduled_jobs()
                if ticks % interval == 0:
                    recover_orphans()
                if ticks % QUARANTINE_SWEEP_SECONDS == 0:
                    purge_expired_quarantine()
            except Exception:  # noqa: BLE001 - keep going; Redis or the database may be back next time
                app.logger.exception("worker housekeeping failed")
            finally:
                db.session.remove()
        scheduler.release_locks()
