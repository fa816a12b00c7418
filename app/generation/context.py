"""What a running generation carries between stages, and how it reports progress.

A run holds its GenerationJob row only while the row is ``running`` under the run's own RQ
job id. Every commit of a run first renews that hold with a guarded UPDATE (which also moves
the heartbeat); when the row was cancelled, discarded or handed to another worker the UPDATE
matches nothing, the run's changes are rolled back and ``GenerationStopped`` ends it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import GenerationJob, JobStatus, Scene, Segment
from app.models.base import utcnow
from app.providers.llm.base import PromptExpander
from app.providers.video.base import VideoProvider
from app.storage import Storage

#: the least time between two progress writes to the row
REPORT_INTERVAL = 0.4


class StageFailed(Exception):
    """A permanent failure with a reason for the writer."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class GenerationStopped(Exception):
    """The row is no longer this run's (cancelled, discarded, or resumed by another worker)."""


def hold_row(job_id: int, owner: str | None) -> bool:
    """Renew a run's hold on job ``job_id`` in the current transaction: True while the row is
    running under ``owner`` (the RQ job id; None skips that check). Locks the row until commit."""
    table = GenerationJob.__table__
    guard = update(table).where(table.c.id == job_id, table.c.status == JobStatus.RUNNING.value)
    if owner is not None:
        guard = guard.where(table.c.rq_job_id == owner)
    # a Core statement on the session's connection: nothing pending is flushed before the check
    return db.session.connection().execute(guard.values(heartbeat_at=utcnow())).rowcount == 1


@dataclass
class RunContext:
    job: GenerationJob
    #: the row's id and provider task id, readable after the row is gone
    job_id: int
    task_id: str | None
    segment: Segment
    scene: Scene
    config: Any
    storage: Storage
    provider: VideoProvider
    expander: PromptExpander
    work_dir: Path
    rq_job: Any = None
    stage_span: tuple[int, int] = (0, 100)
    _last_report: float = field(default=0.0)

    @property
    def artifacts(self) -> dict:
        return self.job.artifacts

    @property
    def owner(self) -> str | None:
        """The RQ job id this run holds the row under."""
        return self.rq_job.id if self.rq_job is not None else None

    def commit(self) -> None:
        """Commit the run's changes while the row is still this run's; else roll back and stop."""
        try:
            if not hold_row(self.job_id, self.owner):
                raise GenerationStopped(f"generation job {self.job_id} is no longer ours")
            db.session.commit()
        except StaleDataError as err:  # the segment or job row was deleted under a pending change
            raise GenerationStopped(f"generation job {self.job_id} lost its rows") from err
        except GenerationStopped:
            db.session.rollback()
            raise

    def report(self, fraction: float, message: str) -> None:
        """Record progress within the current stage on the row and in the RQ job's meta.

        Every call renews the heartbeat (at most every REPORT_INTERVAL s), also when the text
        is unchanged: a long wait in a provider's queue is a live worker, not a stale one.
        """
        lo, hi = self.stage_span
        now = time.monotonic()
        progress = int(lo + (hi - lo) * max(0.0, min(1.0, fraction)))
        if now - self._last_report < REPORT_INTERVAL and fraction < 1.0:
            return
        self._last_report = now
        self.job.progress = max(self.job.progress, progress)
        self.job.message = message[:255]
        self.commit()
        if self.rq_job is not None:
            self.rq_job.meta.update(stage=self.job.stage, progress=self.job.progress, message=self.job.message)
            self.rq_job.save_meta()

    def local_copy(self, key: str) -> Path:
        """A local file for a stored key (the file itself for local storage, a download for S3)."""
        return self.storage.local_copy(key, self.work_dir / "stored")
