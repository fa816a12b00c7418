"""Moderation as stored: reports people file, the cases moderators decide, and the strikes writers carry."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin, utcnow
from app.models.user import User


class ModerationState(StrEnum):
    """Where a segment stands with moderation; only ``clear`` is shown to everyone."""

    CLEAR = "clear"
    #: published, but visible only to its writer and moderators until a moderator decides
    HELD = "held"
    #: taken out of view by a moderator, reversibly
    HIDDEN = "hidden"
    #: taken down for good: media deleted, playlists show a slate in its place
    REMOVED = "removed"


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ReportStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ModerationCase(TimestampMixin, db.Model):
    """One thing in the moderation queue: a held segment, reported content, an abuse signal or an appeal.

    At most one case per target is open at a time; later reports and signals join it and raise its severity.
    """

    __tablename__ = "moderation_cases"
    __table_args__ = (
        Index("uq_moderation_cases_open_target", "target_type", "target_ref", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        Index("ix_moderation_cases_queue", "status", "severity", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: segment, scene, profile, bible or user
    target_type: Mapped[str] = mapped_column(String(16))
    #: the target's public id (segment, scene), username (profile, user) or ``<scene>:<entity>`` (bible)
    target_ref: Mapped[str] = mapped_column(String(64))
    #: the person whose content it is, when known
    writer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: what opened it first: review (the post-generation check), report, abuse, appeal, copyright
    source: Mapped[str] = mapped_column(String(16))
    #: 0..100, higher first in the queue
    severity: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.OPEN.value)
    #: why it is in the queue, in words (the check's verdict, the rule that fired, the appeal's text)
    summary: Mapped[str] = mapped_column(Text, default="")
    #: extra evidence: the check's scores and flagged frames, the abuse rule's figures
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    decision: Mapped[str | None] = mapped_column(String(16))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    writer: Mapped[User | None] = relationship(foreign_keys=[writer_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    reports: Mapped[list[Report]] = relationship(back_populates="case", order_by="Report.id")

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN


class Report(TimestampMixin, db.Model):
    """One person's report of one item; a person has at most one open report per item."""

    __tablename__ = "reports"
    __table_args__ = (
        Index("uq_reports_open_per_person", "reporter_id", "target_type", "target_ref", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    target_type: Mapped[str] = mapped_column(String(16))
    target_ref: Mapped[str] = mapped_column(String(64))
    #: the reasons ticked, from app.moderation.reports.REASONS
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    details: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.OPEN.value)
    #: what the reporter is told happened
    outcome: Mapped[str | None] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_cases.id", ondelete="SET NULL"), index=True)

    reporter: Mapped[User] = relationship()
    case: Mapped[ModerationCase | None] = relationship(back_populates="reports")


class Strike(TimestampMixin, db.Model):
    """A mark against a writer for content a moderator acted on; it counts until it expires or is lifted."""

    __tablename__ = "strikes"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_cases.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: the writer's appeal, when they made one
    appeal: Mapped[str | None] = mapped_column(Text)
    appealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    case: Mapped[ModerationCase | None] = relationship()

    def active_at(self, when: datetime | None = None) -> bool:
        when = when or utcnow()
        expires = self.expires_at if self.expires_at.tzinfo else self.expires_at.replace(tzinfo=when.tzinfo)
        return self.lifted_at is None and expires > when


class CopyrightClaim(TimestampMixin, db.Model):
    """A copyright notice, or the writer's counter-notice to one, with the statutory fields as given."""

    __tablename__ = "copyright_claims"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    #: notice or counter
    kind: Mapped[str] = mapped_column(String(16))
    #: the segment the claim is about (its public id)
    segment_ref: Mapped[str] = mapped_column(String(64), index=True)
    #: the counter-notice answers this notice
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("copyright_claims.id", ondelete="SET NULL"))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: received, acted (removed / restored), rejected
    status: Mapped[str] = mapped_column(String(16), default="received")
