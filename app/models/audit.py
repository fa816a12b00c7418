"""The append-only audit log: every moderation and admin action, with who, what, when and why."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow
from app.models.user import User


class AuditEntry(db.Model):
    """One action taken on something people made or on an account. Rows are never changed or deleted."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    #: who acted; None for the system itself (an automatic hold, a scheduled job)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: what was done, dotted: ``user.suspend``, ``segment.remove``, ``topic.create`` …
    action: Mapped[str] = mapped_column(String(64), index=True)
    #: the kind and id of the thing acted on (``user`` 12, ``segment`` "aZ3…")
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship()

    __table_args__ = (db.Index("ix_audit_log_target", "target_type", "target_id"), {"sqlite_autoincrement": True})


class AuditLogIsAppendOnly(Exception):
    """Raised when code tries to change or delete an audit entry."""


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper, connection, target):  # noqa: ARG001
    raise AuditLogIsAppendOnly(f"audit entry {target.id} cannot be changed")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper, connection, target):  # noqa: ARG001
    raise AuditLogIsAppendOnly(f"audit entry {target.id} cannot be deleted")
