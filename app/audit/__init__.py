"""Recording and reading the audit log that moderation and the admin console share."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models.audit import AuditEntry
from app.models.user import User


def record(
    actor: User | None,
    action: str,
    target_type: str,
    target_id: object,
    reason: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry to the log in the caller's transaction (it commits with the action it records)."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None and getattr(actor, "is_authenticated", True) else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        reason=reason.strip(),
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


def history(target_type: str | None = None, target_id: object | None = None, *, limit: int = 100) -> list[AuditEntry]:
    """The newest entries first, for one target or for everything."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if target_type is not None:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id is not None:
        query = query.where(AuditEntry.target_id == str(target_id))
    return list(db.session.scalars(query))
