"""Generation jobs on the `generate` queue."""
from __future__ import annotations

from flask import current_app
from rq import get_current_job

from app.extensions import db
from app.generation import services
from app.generation.pipeline import fail, run_generation
from app.models import GenerationJob


def generate_segment(job_id: int) -> str:
    """Run or resume the generation of GenerationJob ``job_id``."""
    rq_job = get_current_job()
    retries_left = (rq_job.retries_left or 0) if rq_job is not None else 0
    try:
        return run_generation(job_id, rq_job=rq_job, retries_left=retries_left)
    finally:
        db.session.remove()


def record_failure(rq_job, connection, exc_type, exc_value, traceback) -> None:
    """RQ failure callback: when the queue gives up on a job, the row says why."""
    job = db.session.get(GenerationJob, rq_job.args[0]) if rq_job.args else None
    if job is not None and job.active and job.rq_job_id == rq_job.id and not (rq_job.retries_left or 0):
        fail(job, "worker_error", f"Generation stopped unexpectedly ({exc_type.__name__}). Retry the segment.")
    db.session.remove()


def cancel_provider_task(provider_name: str, task_id: str) -> None:
    """Cancel a task at the provider (best effort)."""
    services.video_provider(current_app.config, provider_name).cancel(task_id)
