"""Reading the audit log, filtered: by action, by kind of target and target, by who acted."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import AuditEntry, User

PAGE_SIZE = 50


def audit_page(*, action: str = "", target_type: str = "", target_id: str = "", actor: str = "", page: int = 1):
    """Entries newest first, matching every filter given (a Pagination); ``action`` matches a prefix ("user.")."""
    stmt = select(AuditEntry).options(selectinload(AuditEntry.actor)).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if action.strip():
        stmt = stmt.where(AuditEntry.action.startswith(action.strip(), autoescape=True))
    if target_type.strip():
        stmt = stmt.where(AuditEntry.target_type == target_type.strip())
    if target_id.strip():
        stmt = stmt.where(AuditEntry.target_id == target_id.strip())
    if actor.strip():
        stmt = stmt.join(User, User.id == AuditEntry.actor_id).where(func.lower(User.username) == actor.strip().lower())
    return db.paginate(stmt, page=page, per_page=PAGE_SIZE, error_out=False)


def actions_seen() -> list[str]:
    """Every action name in the log, for the filter's choices."""
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
