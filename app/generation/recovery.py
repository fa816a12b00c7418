"""Finding and resuming generations that lost their worker or their queue entry.

The GenerationJob row is the truth. A row that is queued or running but has no
live RQ job behind it (Redis was flushed, the worker was killed mid-render) is
enqueued again; its stages resume after the last checkpoint and the stored
provider task id keeps the provider from rendering twice.
"""
from __future__ import annotations

import logging
import os
import secrets
import socket
from datetime import timedelta

from flask import current_app
from rq import Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.job import JobStatus as RQStatus
from rq.worker_registration import REDIS_WORKER_KEYS
from sqlalchemy import select, update

from app.extensions import db, redis_client
from app.generation.pipeline import fail
from app.generation.submit import enqueue
from app.models import GenerationJob, JobStatus
from app.models.base import utcnow
from app.models.job import ACTIVE_STATUSES

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
#: a row younger than this may still be on its way into the queue
ENQUEUE_GRACE = timedelta(seconds=10)
_WAITING = {RQStatus.QUEUED, RQStatus.SCHEDULED, RQStatus.DEFERRED}


def recover_orphans() -> list[int]:
    """Re-enqueue every active row whose RQ job is missing or whose worker died; returns their ids."""
    lock = redis_client().lock("sf:recover-orphans", timeout=60, blocking=False)
    if not lock.acquire():
        return []
    try:
        workers = {w.name: w for w in Worker.all(connection=redis_client())}
        resumed = []
        rows = db.session.scalars(select(GenerationJob).where(GenerationJob.status.in_(ACTIVE_STATUSES))).all()
        for job in rows:
            reason = orphan_reason(job, _rq_job(job.rq_job_id), workers)
            if reason:
                resume(job, reason)
                resumed.append(job.id)
        return resumed
    finally:
        lock.release()


def orphan_reason(job: GenerationJob, rq_job: Job | None, workers: dict[str, Worker]) -> str | None:
    """Why ``job`` has nobody working on it, or None when it is fine."""
    now = utcnow()
    if rq_job is None:
        updated = job.updated_at if job.updated_at.tzinfo else job.updated_at.replace(tzinfo=now.tzinfo)
        return "its queue entry was lost" if now - updated > ENQUEUE_GRACE else None
    status = rq_job.get_status()
    if status in _WAITING:
        return None
    if status != RQStatus.STARTED:
        return f"its queue entry ended as {getattr(status, 'value', status)}"
    worker = workers.get(rq_job.worker_name or "") or _registered_worker(rq_job.worker_name)
    if worker is None:
        return "its worker is gone"
    if worker.hostname == socket.gethostname() and worker.pid and not _pid_alive(worker.pid):
        return "its worker process died"
    beat = job.heartbeat_at
    if beat is not None:
        beat = beat if beat.tzinfo else beat.replace(tzinfo=now.tzinfo)
        if now - beat > timedelta(seconds=current_app.config["STALE_JOB_SECONDS"]):
            return "its worker stopped reporting progress"
    return None


def resume(job: GenerationJob, reason: str) -> None:
    """Put ``job`` back on the queue under a new RQ id (the old one can no longer run it).

    The row is handed over only if it is still active under the RQ id it was judged by; the old
    run, should it still be alive, loses its hold and stops at its next checkpoint.
    """
    if job.attempts >= MAX_ATTEMPTS:
        fail(job, "worker_lost", "Generation was interrupted too many times. Retry the segment.")
        return
    previous, fresh = job.rq_job_id, f"gen-{job.id}-{secrets.token_hex(4)}"
    table = GenerationJob.__table__
    handed_over = db.session.connection().execute(
        update(table)
        .where(table.c.id == job.id, table.c.status.in_(ACTIVE_STATUSES), _same_owner(table.c.rq_job_id, previous))
        .values(status=JobStatus.QUEUED.value, rq_job_id=fresh,
                message=f"Resuming after an interruption ({reason})"[:255])
    ).rowcount == 1
    db.session.commit()
    if not handed_over:
        return
    old = _rq_job(previous)
    if old is not None:
        try:
            old.delete()
        except (NoSuchJobError, ValueError):  # it finished and RQ cleared it meanwhile (ValueError: its execution)
            log.info("queue entry %s of job %s was cleared while it was handed over", previous, job.id)
    log.warning("resuming generation job %s after stage %s: %s", job.id, job.stage, reason)
    db.session.refresh(job)
    enqueue(job)


def _registered_worker(name: str | None) -> Worker | None:
    """The worker ``name`` as registered now: one that started after ``workers`` was listed (a second worker
    starting beside this one) is registered before it takes its first job."""
    key = f"{Worker.redis_worker_namespace_prefix}{name}"
    if not name or not redis_client().sismember(REDIS_WORKER_KEYS, key):  # the list Worker.all() reads
        return None
    return Worker.find_by_key(key, connection=redis_client())


def _same_owner(column, rq_job_id: str | None):
    return column.is_(None) if rq_job_id is None else column == rq_job_id


def _rq_job(rq_job_id: str | None) -> Job | None:
    if not rq_job_id:
        return None
    try:
        return Job.fetch(rq_job_id, connection=redis_client())
    except NoSuchJobError:
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
