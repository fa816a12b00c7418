"""Generation jobs on the `generate` queue."""
from __future__ import annotations

import logging

from flask import current_app
from rq import get_current_job

from app.extensions import db
from app.generation.pipeline import fail, run_generation
from app.models import GenerationJob
from app.providers import factory

log = logging.getLogger(__name__)


def generate_segment(job_id: int) -> str:
    """Run or resume the generation of GenerationJob ``job_id``."""
    rq_job = get_current_job()
    retries_left = (rq_job.retries_left or 0) if rq_job is not None else 0
    try:
        return run_generation(job_id, rq_job=rq_job, retries_left=retries_left)
    finally:
        db.session.remove()


def record_failure(rq_job, connection, exc_type, exc_value, traceback) -> None:
    """RQ failure callback: when the queue gives up on a job, the row says why.

    Only the row this RQ job still holds is failed (see ``fail``); whatever happens here, the
    session is rolled back and removed, so no transaction (and no SQLite write lock) outlives it.
    """
    try:
        if rq_job.args and not (rq_job.retries_left or 0):
            job = db.session.get(GenerationJob, rq_job.args[0])
            if job is not None and job.active and job.rq_job_id == rq_job.id:
                fail(job, "worker_error", f"Generation stopped unexpectedly ({exc_type.__name__}). Retry the segment.",
                     owner=rq_job.id)
    except Exception:  # noqa: BLE001 - a callback that raises would hide the job's own error
        log.exception("could not record the failure of %s", rq_job.id)
    finally:
        db.session.rollback()
        db.session.remove()


def cancel_provider_task(provider_name: str, task_id: str) -> None:
    """Cancel a task at the provider (best effort)."""
    factory.video_provider(current_app.config, provider_name).cancel(task_id)
