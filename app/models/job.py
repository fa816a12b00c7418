from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import PublicIdMixin, TimestampMixin
from app.models.scene import Scene, Segment


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_STATUSES = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)


class GenerationJob(PublicIdMixin, TimestampMixin, db.Model):
    """The durable record of one segment's generation; the RQ job only carries its id."""

    __tablename__ = "generation_jobs"
    __table_args__ = (
        # the dashboard groups the window's finished jobs by these, read from the index alone
        Index("ix_generation_jobs_finished_at", "finished_at", "status", "provider", "error_code", "created_at"),
        {"sqlite_autoincrement": True},  # RQ jobs and URLs name rows by id: never reuse one
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    rq_job_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED.value, index=True)
    #: the last completed stage; a resumed run starts after it
    stage: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(255), default="Waiting for a worker")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider: Mapped[str] = mapped_column(String(32))
    provider_task_id: Mapped[str | None] = mapped_column(String(128))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    #: checkpoint data between stages (work-file paths, storage keys)
    artifacts: Mapped[dict] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    segment: Mapped[Segment] = relationship()

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def to_json(self) -> dict:
        error = None
        if self.status == JobStatus.FAILED:
            error = {"code": self.error_code, "message": self.error_message}
        return {
            "id": self.public_id,
            "segment_id": self.segment.public_id,
            "status": self.status,
            "stage": self.stage,
            "progress": self.progress,
            "message": self.message,
            "attempts": self.attempts,
            "provider": self.provider,
            "error": error,
        }


class DirectorsCut(TimestampMixin, db.Model):
    """A scene's stitched, titled MP4 (one per scene, remade when the scene has grown)."""

    __tablename__ = "directors_cuts"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    scene_id: Mapped[int] = mapped_column(ForeignKey("scenes.id", ondelete="CASCADE"), unique=True)
    #: the head the cut was (or is being) made for
    head_segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rq_job_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED.value)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(255), default="Waiting for a worker")
    video_key: Mapped[str | None] = mapped_column(String(255))
    duration: Mapped[float | None] = mapped_column(Float)
    error_message: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    scene: Mapped[Scene] = relationship(viewonly=True)
    head: Mapped[Segment] = relationship(viewonly=True)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def to_json(self) -> dict:
        return {"scene_id": self.scene.public_id, "head_segment_id": self.head.public_id,
                "status": self.status, "progress": self.progress, "message": self.message,
                "duration": self.duration, "error": self.error_message if self.status == JobStatus.FAILED else None}
