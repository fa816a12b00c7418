"""Starting, limiting and cancelling generations from the web side."""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, timedelta

from flask import current_app
from rq import Callback, Retry
from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import flag_modified

from app.extensions import db, queue
from app.models import GenerationJob, JobStatus, Segment, SegmentStatus, User
from app.models.base import utcnow
from app.models.job import ACTIVE_STATUSES

GENERATE_FUNC = "jobs.generate.generate_segment"
FAILURE_CALLBACK = "jobs.generate.record_failure"
CANCEL_FUNC = "jobs.generate.cancel_provider_task"

_quotas_waived: ContextVar[bool] = ContextVar("quotas_waived", default=False)


class GenerationRefused(Exception):
    """The user may not start another generation now (HTTP 429)."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


@contextmanager
def quotas_waived() -> Iterator[None]:
    """Within this block the per-user generation limits do not apply.

    For operator tasks that write through the ordinary story functions, such as the
    demo seed starting a dozen segments at once; never for anything a visitor can trigger.
    """
    token = _quotas_waived.set(True)
    try:
        yield
    finally:
        _quotas_waived.reset(token)


def check_generation_allowed(user: User, retry: bool = False) -> None:
    """Raise GenerationRefused when strikes suspend the user's generating, or they are over the hourly or
    in-flight limit."""
    from app.moderation.strikes import generation_refusal

    if (suspended := generation_refusal(user)) is not None:
        raise GenerationRefused(suspended, 3600)
    if _quotas_waived.get():
        return
    cfg = current_app.config
    in_flight = db.session.scalar(
        select(func.count(GenerationJob.id)).where(GenerationJob.user_id == user.id, GenerationJob.status.in_(ACTIVE_STATUSES))
    )
    if in_flight >= cfg["GENERATION_IN_FLIGHT_LIMIT"]:
        raise GenerationRefused(
            f"You already have {in_flight} segments generating. Wait for one to finish, then try again.", 30
        )
    if retry:
        return
    since = utcnow() - timedelta(hours=1)
    if user.quota_reset_at is not None:  # an admin reset the quota: only segments started since count
        since = max(since, user.quota_reset_at if user.quota_reset_at.tzinfo else user.quota_reset_at.replace(tzinfo=UTC))
    recent = db.session.scalars(
        select(Segment.created_at).where(Segment.author_id == user.id, Segment.created_at >= since).order_by(Segment.created_at)
    ).all()
    limit = cfg["GENERATION_HOURLY_LIMIT"]
    if len(recent) >= limit:
        oldest = recent[len(recent) - limit]
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=since.tzinfo)
        free_at = oldest + timedelta(hours=1)
        wait = max(1, int((free_at - utcnow()).total_seconds()))
        from app.moderation.abuse import generation_limited

        generation_limited(user)
        raise GenerationRefused(
            f"You've started {limit} segments in the last hour, the most allowed. "
            f"You can start another at {free_at:%H:%M} UTC (in {wait // 60 + 1} minutes).",
            wait,
        )


def start_generation(segment: Segment, retry: bool = False) -> GenerationJob:
    """Commit the segment's GenerationJob row, then enqueue it. Returns the row."""
    job = db.session.scalar(select(GenerationJob).where(GenerationJob.segment_id == segment.id))
    if job is None:
        job = GenerationJob(segment=segment, user_id=segment.author_id, provider=segment.provider, artifacts={})
        db.session.add(job)
    elif job.active:
        return job
    job.status = JobStatus.QUEUED.value
    job.message = "Waiting for a worker"
    job.error_code = job.error_message = None
    job.finished_at = None
    if retry and "submitting" in (job.artifacts or {}):
        # the writer asked again after a create whose outcome was unknown: that is their consent to a new one
        job.artifacts = {k: v for k, v in job.artifacts.items() if k != "submitting"}
        flag_modified(job, "artifacts")
    segment.status = SegmentStatus.PENDING.value
    db.session.flush()
    job.rq_job_id = f"gen-{job.id}-{secrets.token_hex(4)}"
    db.session.commit()
    enqueue(job)
    return job


def enqueue(job: GenerationJob) -> None:
    """Put the job's current rq_job_id on the generate queue. A Redis outage leaves the row for the reconciler."""
    cfg = current_app.config
    try:
        queue("generate").enqueue_call(
            GENERATE_FUNC,
            args=(job.id,),
            job_id=job.rq_job_id,
            timeout=cfg["JOB_TIMEOUT"],
            result_ttl=3600,
            failure_ttl=7 * 86400,
            retry=Retry(max=len(cfg["JOB_RETRY_DELAYS"]), interval=cfg["JOB_RETRY_DELAYS"]),
            on_failure=Callback(FAILURE_CALLBACK),
            description=f"generate segment {job.segment_id}",
        )
    except Exception:  # noqa: BLE001 - Redis down: the row is the truth and will be picked up later
        current_app.logger.exception("could not enqueue generation job %s; the reconciler will retry", job.id)


def cancel_generation(segment: Segment) -> GenerationJob | None:
    """Cancel the segment's generation if it is still active, in the caller's transaction.

    The row becomes ``cancelled`` only while it is queued or running (a guarded UPDATE, so a worker
    that finishes at the same moment either wins, and the row says ``succeeded``, or sees the
    cancellation at its next checkpoint and stops without another write). Returns the row as it is
    now, or None when the segment has none. Stop the provider's render after committing, with
    ``stop_provider_task``.
    """
    job = db.session.scalar(select(GenerationJob).where(GenerationJob.segment_id == segment.id))
    if job is None:
        return None
    table = GenerationJob.__table__
    db.session.connection().execute(
        update(table)
        .where(table.c.id == job.id, table.c.status.in_(ACTIVE_STATUSES))
        .values(status=JobStatus.CANCELLED.value, message="Cancelled", finished_at=utcnow())
    )
    db.session.refresh(job)
    return job


def stop_provider_task(provider: str, task_id: str | None) -> None:
    """Ask the provider to cancel a task now, with one quick try; if that fails a worker asks again."""
    if not task_id or provider == "local":
        return
    from app.providers.factory import video_provider

    try:
        video_provider(current_app.config, provider, quick=True).cancel(task_id)
        return
    except Exception:  # noqa: BLE001 - the provider is slow or down: leave it to a worker
        current_app.logger.warning("could not cancel %s task %s now; a worker will try again", provider, task_id)
    try:
        queue("default").enqueue_call(CANCEL_FUNC, args=(provider, task_id), result_ttl=600)
    except Exception:  # noqa: BLE001 - cancelling at the provider is best effort
        current_app.logger.warning("could not queue provider cancel for task %s", task_id)
