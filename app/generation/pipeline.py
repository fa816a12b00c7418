"""Run a GenerationJob's stages in order, checkpointing each on the row."""
from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from flask import current_app
from sqlalchemy.orm.attributes import flag_modified

from app.extensions import db, storage
from app.generation import services
from app.generation.context import RunContext, StageFailed
from app.generation.stages import STAGE_NAMES, STAGES
from app.media.ffmpeg import MediaError
from app.models import GenerationJob, JobStatus, SegmentStatus
from app.models.base import utcnow
from app.providers.llm.base import ExpanderError
from app.providers.video.base import OutputExpiredError, ProviderError, TaskEndedError

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """A transient failure; the queue should run the job again after a delay."""


def run_generation(job_id: int, *, rq_job=None, retries_left: int = 0) -> str:
    """Run (or resume) job ``job_id``. Returns the row's final status.

    Permanent failures end the row as failed and return normally; transient ones
    raise RetryLater while the queue still has retries, and fail the row otherwise.
    """
    job = db.session.get(GenerationJob, job_id)
    if job is None or not job.active:
        return job.status if job else "missing"
    if rq_job is not None and job.rq_job_id and job.rq_job_id != rq_job.id:
        log.info("job %s: rq job %s was superseded by %s; skipping", job_id, rq_job.id, job.rq_job_id)
        return job.status
    ctx = _context(job, rq_job)
    job.status = JobStatus.RUNNING.value
    job.attempts += 1
    job.started_at = job.started_at or utcnow()
    job.heartbeat_at = utcnow()
    ctx.segment.status = SegmentStatus.GENERATING.value
    db.session.commit()
    try:
        _run_stages(ctx)
    except StageFailed as err:
        return fail(job, err.code, err.message)
    except ProviderError as err:
        if isinstance(err, OutputExpiredError | TaskEndedError):
            job.provider_task_id = None  # the task is over without a usable video: the next attempt needs a new one
            db.session.commit()
        if err.transient:
            return _transient(job, err.code, err.message, retries_left)
        return fail(job, err.code, f"The video provider refused this segment: {err.message}")
    except ExpanderError as err:
        if err.transient:
            return _transient(job, "expander_unavailable", err.message, retries_left)
        return fail(job, "expander_failed", f"The prompt could not be expanded: {err.message}")
    except MediaError as err:
        return fail(job, "media_error", f"The rendered video could not be processed: {err}")
    except Exception as err:  # noqa: BLE001 - unexpected: retry, then fail with a readable reason
        log.exception("job %s failed unexpectedly", job_id)
        db.session.rollback()
        return _transient(job, "internal_error", f"An unexpected error stopped generation ({err.__class__.__name__}).", retries_left)
    _finish(ctx)
    return job.status


def _context(job: GenerationJob, rq_job) -> RunContext:
    cfg = current_app.config
    work_dir = Path(cfg["WORK_DIR"]) / f"job-{job.id}"
    work_dir.mkdir(parents=True, exist_ok=True)
    return RunContext(
        job=job,
        segment=job.segment,
        scene=job.segment.scene,
        config=cfg,
        storage=storage(),
        provider=services.video_provider(cfg, job.provider),
        expander=services.prompt_expander(cfg),
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
        stage(ctx)
        # read artifacts afresh: every commit reloads the JSON column into a new dict
        ctx.artifacts.setdefault("timings", {})[name] = round(time.perf_counter() - started, 4)
        job.stage = name
        job.progress = max(job.progress, hi)
        flag_modified(job, "artifacts")
        if name != "publish":
            db.session.commit()  # checkpoint: a retry resumes after this stage


def _finish(ctx: RunContext) -> None:
    job = ctx.job
    job.status = JobStatus.SUCCEEDED.value
    job.progress = 100
    job.message = "Ready to watch"
    job.finished_at = utcnow()
    db.session.commit()  # one transaction with publish: ready segment, new head, finished job
    shutil.rmtree(ctx.work_dir, ignore_errors=True)


def _transient(job: GenerationJob, code: str, message: str, retries_left: int) -> str:
    if retries_left > 0:
        job.status = JobStatus.QUEUED.value
        job.message = f"Temporary problem ({message}); trying again shortly"[:255]
        job.error_code = code
        db.session.commit()
        raise RetryLater(message)
    return fail(job, code, f"{message} We tried several times; retry the segment later.")


def fail(job: GenerationJob, code: str, message: str) -> str:
    """End the row as failed with a reason the writer can read."""
    db.session.rollback()
    job.status = JobStatus.FAILED.value
    job.error_code = code
    job.error_message = message
    job.message = "Failed"
    job.finished_at = utcnow()
    job.segment.status = SegmentStatus.FAILED.value
    db.session.commit()
    return job.status
