"""Strikes against writers, what they suspend, and appeals.

Strikes count until they expire (``STRIKE_DAYS``) or a moderator lifts them.
``STRIKES_SUSPEND_GENERATION`` active strikes stop the writer generating; ``STRIKES_SUSPEND_ACCOUNT``
stop them signing in. Either way the writer is told why and until when. Copyright removals
strike too, which is the repeat-infringer policy.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.models import ModerationCase, Strike, User
from app.models.base import utcnow
from app.moderation.cases import open_case

APPEAL_MAX = 2000


class AppealRefused(ValueError):
    """The appeal cannot be made; the message says why."""


@dataclass(frozen=True)
class Standing:
    """A writer's active strikes and what they suspend."""

    strikes: list[Strike]
    generation_limit: int
    account_limit: int

    @property
    def count(self) -> int:
        return len(self.strikes)

    @property
    def generation_suspended(self) -> bool:
        return self.count >= self.generation_limit

    @property
    def account_suspended(self) -> bool:
        return self.count >= self.account_limit

    def until(self, limit: int) -> datetime | None:
        """When the count falls below ``limit`` again, as strikes expire (None when it is below now)."""
        if self.count < limit:
            return None
        expiries = sorted(_aware(s.expires_at) for s in self.strikes)
        return expiries[self.count - limit]


def standing(user: User) -> Standing:
    cfg = current_app.config
    now = utcnow()
    rows = db.session.scalars(select(Strike).where(Strike.user_id == user.id, Strike.lifted_at.is_(None))
                              .order_by(Strike.expires_at)).all()
    return Standing([s for s in rows if s.active_at(now)], cfg["STRIKES_SUSPEND_GENERATION"], cfg["STRIKES_SUSPEND_ACCOUNT"])


def generation_refusal(user: User) -> str | None:
    """Why the user may not generate now, or None."""
    current = standing(user)
    if not current.generation_suspended:
        return None
    until = current.until(current.generation_limit)
    return (f"You can't generate segments until {until:%Y-%m-%d %H:%M} UTC: your account has {current.count} active "
            f"strikes for content that broke the content policy. You can appeal a strike from your moderation page.")


def sign_in_refusal(user: User) -> str | None:
    """Why the user may not sign in now, or None."""
    current = standing(user)
    if not current.account_suspended:
        return None
    until = current.until(current.account_limit)
    return (f"This account is suspended until {until:%Y-%m-%d %H:%M} UTC after {current.count} strikes for content "
            f"that broke the content policy. Write to us through the feedback form to appeal.")


def issue_strike(user: User, moderator: User | None, reason: str, case: ModerationCase | None = None) -> Strike:
    """Add a strike (and its audit entry) to the caller's transaction."""
    strike = Strike(user_id=user.id, case_id=case.id if case else None, reason=reason.strip(),
                    issued_by_id=moderator.id if moderator else None,
                    expires_at=utcnow() + timedelta(days=current_app.config["STRIKE_DAYS"]))
    db.session.add(strike)
    db.session.flush()
    before = standing_summary(user, exclude=strike.id)
    if standing(user).account_suspended:
        user.end_sessions()  # a suspended account is signed out everywhere
    audit.record(moderator, "user.strike", "user", user.id, reason, before=before, after=standing_summary(user))
    return strike


def standing_summary(user: User, exclude: int | None = None) -> dict:
    current = standing(user)
    count = current.count - (1 if exclude and any(s.id == exclude for s in current.strikes) else 0)
    return {"strikes": count}


def appeal(strike: Strike, user: User, text: str) -> ModerationCase:
    """The writer appeals a strike: the item it was for goes back to the queue with their words. Commits."""
    text = (text or "").strip()
    if strike.user_id != user.id:
        raise AppealRefused("You can only appeal your own strikes.")
    if not text:
        raise AppealRefused("Say why the decision was wrong: moderators read your appeal with the item.")
    if len(text) > APPEAL_MAX:
        raise AppealRefused(f"Keep the appeal to {APPEAL_MAX} characters or fewer.")
    if strike.appealed_at is not None:
        raise AppealRefused("You have appealed this strike already; a moderator will look at it.")
    strike.appeal, strike.appealed_at = text, utcnow()
    original = strike.case
    target_type, target_ref = (original.target_type, original.target_ref) if original else ("user", user.username)
    case = open_case(target_type, target_ref, source="appeal", severity=50, writer_id=user.id,
                     summary=f"Appeal of strike {strike.id}: {text}",
                     evidence={"appeal": {"strike": strike.id, "text": text}})
    audit.record(user, "strike.appeal", "strike", strike.id, text, after={"case": case.id})
    db.session.commit()
    return case


def lift(strike: Strike, moderator: User, reason: str) -> None:
    """Lift a strike (an appeal upheld); in the caller's transaction."""
    strike.lifted_at = utcnow()
    audit.record(moderator, "strike.lift", "strike", strike.id, reason, before={"lifted": False}, after={"lifted": True})


def strikes_of(user: User) -> list[Strike]:
    return list(db.session.scalars(select(Strike).where(Strike.user_id == user.id).order_by(Strike.created_at.desc())))


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=utcnow().tzinfo)
