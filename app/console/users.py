"""Accounts as the team sees them: finding people, one person's whole footprint, and the actions on it."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app import audit
from app.auth import throttle
from app.console import ConsoleError, require_reason
from app.extensions import db
from app.models import ApiToken, AuditEntry, Feedback, GenerationJob, Role, Scene, Segment, SignIn, User
from app.models.base import utcnow
from app.models.moderation import Strike

PAGE_SIZE = 50
RECENT = 20


def search_users(query: str = "", page: int = 1):
    """People whose username or email contains ``query`` (all of them when empty), newest first (a Pagination)."""
    stmt = select(User).order_by(User.id.desc())
    if text := query.strip().lower():
        pattern = f"%{text.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(or_(func.lower(User.username).like(pattern), func.lower(User.email).like(pattern)))
    return db.paginate(stmt, page=page, per_page=PAGE_SIZE, error_out=False)


@dataclass(frozen=True)
class Footprint:
    """Everything the user page shows about one account."""

    user: User
    scenes: list[Scene]
    segments: list[Segment]
    segment_count: int
    jobs: list[GenerationJob]
    sign_ins: list[SignIn]
    tokens: list[ApiToken]
    feedback: list[Feedback]
    history: list[AuditEntry]
    strikes: list[Strike]


def footprint(user: User) -> Footprint:
    newest = lambda model, *where: db.session.scalars(  # noqa: E731
        select(model).where(*where).order_by(model.id.desc()).limit(RECENT)).all()
    return Footprint(
        user=user,
        scenes=list(newest(Scene, Scene.owner_id == user.id)),
        segments=list(db.session.scalars(select(Segment).options(selectinload(Segment.scene))
                                         .where(Segment.author_id == user.id).order_by(Segment.id.desc()).limit(RECENT))),
        segment_count=db.session.scalar(select(func.count(Segment.id)).where(Segment.author_id == user.id)),
        jobs=list(db.session.scalars(select(GenerationJob).options(selectinload(GenerationJob.segment))
                                     .where(GenerationJob.user_id == user.id).order_by(GenerationJob.id.desc()).limit(RECENT))),
        sign_ins=list(newest(SignIn, SignIn.user_id == user.id)),
        tokens=list(newest(ApiToken, ApiToken.user_id == user.id)),
        feedback=list(newest(Feedback, Feedback.user_id == user.id)),
        history=audit.history("user", user.id, limit=RECENT),
        strikes=list(newest(Strike, Strike.user_id == user.id)),
    )


def _not_yourself(actor: User, user: User, what: str) -> None:
    if actor.id == user.id:
        raise ConsoleError(f"You can't {what} your own account; ask another admin.")


def change_role(actor: User, user: User, role: str, reason: str) -> None:
    reason = require_reason(reason)
    if role not in {r.value for r in Role}:
        raise ConsoleError("Choose writer, moderator or admin.", "role")
    _not_yourself(actor, user, "change the role of")
    if role == user.role:
        raise ConsoleError(f"{user.username} is already a {Role(role).value}.", "role")
    audit.record(actor, "user.role", "user", user.id, reason, before={"role": user.role}, after={"role": role})
    user.role = role
    db.session.commit()


def suspend(actor: User, user: User, reason: str) -> None:
    """Stop the account: its sessions and tokens stop working and its next sign-in is refused with ``reason``."""
    reason = require_reason(reason)
    _not_yourself(actor, user, "suspend")
    if user.is_suspended:
        raise ConsoleError(f"{user.username} is already suspended.")
    audit.record(actor, "user.suspend", "user", user.id, reason, before={"suspended": False}, after={"suspended": True})
    user.suspended_at, user.suspension_reason = utcnow(), reason
    user.end_sessions()
    db.session.commit()


def unsuspend(actor: User, user: User, reason: str) -> None:
    reason = require_reason(reason)
    if not user.is_suspended:
        raise ConsoleError(f"{user.username} is not suspended.")
    audit.record(actor, "user.unsuspend", "user", user.id, reason,
                 before={"suspended": True, "reason": user.suspension_reason}, after={"suspended": False})
    user.suspended_at = user.suspension_reason = None
    db.session.commit()


def unlock_sign_in(actor: User, user: User, reason: str) -> None:
    """Forget every failed sign-in counted against the account, so no client has to wait."""
    reason = require_reason(reason)
    audit.record(actor, "user.unlock", "user", user.id, reason)
    db.session.commit()
    throttle.forget_account(throttle.account_key(user.id, ""))


def revoke_access(actor: User, user: User, reason: str) -> int:
    """End every session and remember-me cookie and revoke every API token; returns how many tokens."""
    reason = require_reason(reason)
    now = utcnow()
    live = [t for t in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                                 ApiToken.revoked_at.is_(None)))]
    for token in live:
        token.revoked_at = now
    user.end_sessions()
    audit.record(actor, "user.revoke", "user", user.id, reason, after={"tokens_revoked": len(live)})
    db.session.commit()
    return len(live)


def reset_quota(actor: User, user: User, reason: str) -> None:
    """Segments started so far stop counting against the user's hourly generation limit."""
    reason = require_reason(reason)
    audit.record(actor, "user.quota_reset", "user", user.id, reason)
    user.quota_reset_at = utcnow()
    db.session.commit()


#: the actions the user page offers, by the name its forms post
ACTIONS = {
    "suspend": suspend,
    "unsuspend": unsuspend,
    "unlock": unlock_sign_in,
    "revoke": revoke_access,
    "reset-quota": reset_quota,
}

#: what the user page says after each action
DONE = {
    "suspend": "Suspended. Their sessions and tokens stopped working; their next sign-in says why.",
    "unsuspend": "Suspension lifted: they can sign in again.",
    "unlock": "Sign-in unlocked: failed attempts are forgotten.",
    "revoke": "Every session and API token of theirs is revoked.",
    "reset-quota": "Generation quota reset.",
}
