"""Run a GenerationJob's stages in order, checkpointing each on the row."""
from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, select, update
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError

from app.extensions import db, storage
from app.generation.context import GenerationStopped, RunContext, StageFailed, hold_row
from app.generation.stages import STAGE_NAMES, STAGES
from app.media.ffmpeg import MediaError
from app.models import GenerationJob, JobStatus, Segment, SegmentStatus
from app.models.base import utcnow
from app.models.job import ACTIVE_STATUSES
from app.observability import metrics
from app.providers import factory
from app.providers.errors import OutputExpiredError, ProviderError, TaskEndedError
from app.providers.llm.base import ExpanderError

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """A transient failure; the queue should run the job again after a delay."""


def run_generation(job_id: int, *, rq_job=None, retries_left: int = 0) -> str:
    """Run (or resume) job ``job_id``. Returns the row's final status.

    Permanent failures end the row as failed and return normally; transient ones
    raise RetryLater while the queue still has retries, and fail the row otherwise.
    A row that was cancelled, discarded or handed to another worker stops the run at
    its next checkpoint without another write ("stopped").
    """
    owner = rq_job.id if rq_job is not None else None
    job = db.session.get(GenerationJob, job_id)
    if job is None or not job.active:
        return job.status if job else "missing"
    if owner is not None and job.rq_job_id and job.rq_job_id != owner:
        log.info("job %s: rq job %s was superseded by %s; skipping", job_id, owner, job.rq_job_id)
        return job.status
    ctx = _context(job, rq_job)
    if not _claim(job, owner):
        shutil.rmtree(ctx.work_dir, ignore_errors=True)
        return "stopped"
    db.session.refresh(job)
    ctx.segment.status = SegmentStatus.GENERATING.value
    try:
        ctx.commit()
        _run_stages(ctx)
        _finish(ctx)
    except (GenerationStopped, StaleDataError, ObjectDeletedError):
        return _stop(ctx)
    except StageFailed as err:
        return fail(job, err.code, err.message, owner=owner)
    except ProviderError as err:
        if isinstance(err, OutputExpiredError | TaskEndedError):
            # the task is over without a usable video: the next attempt needs a new one
            _forget_task(job, owner)
        if err.transient:
            return _transient(job, err.code, err.message, retries_left, owner)
        return fail(job, err.code, f"The video provider refused this segment: {err.message}", owner=owner)
    except ExpanderError as err:
        if err.transient:
            return _transient(job, "expander_unavailable", err.message, retries_left, owner)
        return fail(job, "expander_failed", f"The prompt could not be expanded: {err.message}", owner=owner)
    except MediaError as err:
        return fail(job, "media_error", f"The rendered video could not be processed: {err}", owner=owner)
    except Exception as err:  # noqa: BLE001 - unexpected: retry, then fail with a readable reason
        log.exception("job %s failed unexpectedly", job_id)
        db.session.rollback()
        message = f"An unexpected error stopped generation ({err.__class__.__name__})."
        return _transient(job, "internal_error", message, retries_left, owner)
    return JobStatus.SUCCEEDED.value


def _claim(job: GenerationJob, owner: str | None) -> bool:
    """Move the row to running for this run, unless it was cancelled or taken meanwhile."""
    table = GenerationJob.__table__
    claim = update(table).where(table.c.id == job.id, table.c.status.in_(ACTIVE_STATUSES))
    if owner is not None:
        claim = claim.where(table.c.rq_job_id == owner)
    now = utcnow()
    claimed = db.session.connection().execute(claim.values(
        status=JobStatus.RUNNING.value, attempts=table.c.attempts + 1,
        started_at=job.started_at or now, heartbeat_at=now,
    )).rowcount == 1
    if claimed:
        db.session.commit()
    else:
        db.session.rollback()
    return claimed


def _context(job: GenerationJob, rq_job) -> RunContext:
    cfg = current_app.config
    # each run writes into its own folder: a superseded run can never touch its successor's files
    work_dir = Path(cfg["WORK_DIR"]) / f"job-{job.id}" / (rq_job.id if rq_job is not None else "direct")
    work_dir.mkdir(parents=True, exist_ok=True)
    return RunContext(
        job=job,
        job_id=job.id,
        task_id=job.provider_task_id,
        segment=job.segment,
        scene=job.segment.scene,
        config=cfg,
        storage=storage(),
        provider=factory.video_provider(cfg, job.provider),
        expander=factory.prompt_expander(cfg),
        work_dir=work_dir,
        rq_job=rq_job,
    )


def _run_stages(ctx: RunContext) -> None:
    job = ctx.job
    done = STAGE_NAMES.index(job.stage) + 1 if job.stage in STAGE_NAMES else 0
    for name, stage, label, lo, hi in STAGES[done:]:
        ctx.stage_span = (lo, hi)
        ctx.report(0.0, label)
        started = time.perf_counter()
        # writes wait for the checkpoint, after the hold on the job row: every run locks rows in the same order
        with db.session.no_autoflush:
            stage(ctx)
        # read artifacts afresh: every commit reloads the JSON column into a new dict
        elapsed = time.perf_counter() - started
        ctx.artifacts.setdefault("timings", {})[name] = round(elapsed, 4)
        metrics.generation_stage(name, job.provider, elapsed)
        job.stage = name
        job.progress = max(job.progress, hi)
        flag_modified(job, "artifacts")
        if name != "publish":
            ctx.commit()  # checkpoint: a retry resumes after this stage


def _finish(ctx: RunContext) -> None:
    job = ctx.job
    if not hold_row(ctx.job_id, ctx.owner):  # taken before the status changes, so nobody can cancel in between
        raise GenerationStopped(f"generation job {ctx.job_id} is no longer ours")
    job.status = JobStatus.SUCCEEDED.value
    job.progress = 100
    job.message = "Ready to watch"
    job.finished_at = utcnow()
    db.session.commit()  # one transaction with publish: ready segment, new head, finished job
    metrics.generation_outcome("succeeded", None, job.provider)
    shutil.rmtree(ctx.work_dir.parent, ignore_errors=True)


def _stop(ctx: RunContext) -> str:
    """End a run whose row is no longer its own: no writes; cancel the render when nobody took it over."""
    db.session.rollback()
    job_id, task_id, provider = ctx.job_id, ctx.task_id, ctx.provider
    db.session.expunge_all()
    current = db.session.get(GenerationJob, job_id)
    if current is None or current.status == JobStatus.CANCELLED:
        log.info("job %s was cancelled or discarded; stopping its render", job_id)
        if task_id:
            _cancel_quietly(provider, task_id)
        shutil.rmtree(ctx.work_dir.parent, ignore_errors=True)
    else:  # its successor may still read this run's files; the job's end removes the folder
        log.info("job %s is now %s under %s; this run stops", job_id, current.status, current.rq_job_id)
    db.session.rollback()
    return "stopped"


def _cancel_quietly(provider, task_id: str) -> None:
    try:
        provider.cancel(task_id)
    except Exception:  # noqa: BLE001 - cancelling is best effort; the web asked the provider already
        log.warning("could not cancel provider task %s", task_id, exc_info=True)


def _forget_task(job: GenerationJob, owner: str | None) -> None:
    db.session.rollback()
    if hold_row(inspect(job).identity[0], owner):
        job.provider_task_id = None
        job.artifacts = {k: v for k, v in (job.artifacts or {}).items() if k != "submitting"}
    db.session.commit()


def _transient(job: GenerationJob, code: str, message: str, retries_left: int, owner: str | None = None) -> str:
    if retries_left > 0:
        db.session.rollback()
        if not hold_row(inspect(job).identity[0], owner):
            db.session.rollback()
            return "stopped"
        job.status = JobStatus.QUEUED.value
        job.message = f"Temporary problem ({message}); trying again shortly"[:255]
        job.error_code = code
        db.session.commit()
        metrics.generation_outcome("retrying", code, job.provider)
        raise RetryLater(message)
    return fail(job, code, f"{message} We tried several times; retry the segment later.", owner=owner)


def fail(job: GenerationJob, code: str, message: str, *, owner: str | None = None) -> str:
    """End the row as failed with a reason the writer can read.

    Only an active row (held by ``owner`` when given) is failed, and only a segment that is
    not ready is marked failed: a late failure from a superseded run changes nothing.
    Never leaves a transaction open.
    """
    job_id = inspect(job).identity[0]
    db.session.rollback()
    try:
        jobs, segments = GenerationJob.__table__, Segment.__table__
        ending = update(jobs).where(jobs.c.id == job_id, jobs.c.status.in_(ACTIVE_STATUSES))
        if owner is not None:
            ending = ending.where(jobs.c.rq_job_id == owner)
        connection = db.session.connection()
        ended = connection.execute(ending.values(
            status=JobStatus.FAILED.value, error_code=code, error_message=message, message="Failed",
            finished_at=utcnow(),
        )).rowcount == 1
        if ended:
            segment_id, provider = connection.execute(
                select(jobs.c.segment_id, jobs.c.provider).where(jobs.c.id == job_id)).one()
            connection.execute(update(segments)
                               .where(segments.c.id == segment_id, segments.c.status != SegmentStatus.READY.value)
                               .values(status=SegmentStatus.FAILED.value))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    db.session.expire_all()
    if ended:
        metrics.generation_outcome("failed", code, provider)
    return JobStatus.FAILED.value if ended else "stopped"
