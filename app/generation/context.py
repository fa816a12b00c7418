"""What a running generation carries between stages, and how it reports progress."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.extensions import db
from app.models import GenerationJob, Scene, Segment
from app.models.base import utcnow
from app.providers.llm.base import PromptExpander
from app.providers.video.base import VideoProvider
from app.storage import Storage


class StageFailed(Exception):
    """A permanent failure with a reason for the writer."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class RunContext:
    job: GenerationJob
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

    def report(self, fraction: float, message: str) -> None:
        """Record progress within the current stage on the row (throttled) and in the RQ job's meta."""
        lo, hi = self.stage_span
        now = time.monotonic()
        progress = int(lo + (hi - lo) * max(0.0, min(1.0, fraction)))
        if now - self._last_report < 0.4 and fraction < 1.0:
            return
        self._last_report = now
        self.job.progress = max(self.job.progress, progress)
        self.job.message = message[:255]
        self.job.heartbeat_at = utcnow()
        db.session.commit()
        if self.rq_job is not None:
            self.rq_job.meta.update(stage=self.job.stage, progress=self.job.progress, message=self.job.message)
            self.rq_job.save_meta()

    def local_copy(self, key: str) -> Path:
        """A local file for a stored key (the file itself for local storage, a download for S3)."""
        return self.storage.local_copy(key, self.work_dir / "stored")
