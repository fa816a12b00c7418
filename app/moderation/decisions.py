"""What moderators decide about a case: dismiss, hide, remove, strike the writer, restore.

Every decision needs a reason, closes the case, lands in the audit log with the item's state
before and after, and tells each reporter what happened.
"""
from __future__ import annotations

from sqlalchemy import select

from app import audit
from app.extensions import db
from app.mail import send_mail
from app.models import ModerationCase, Segment, User
from app.models.base import utcnow
from app.models.moderation import CaseStatus, ReportStatus
from app.moderation import strikes, takedown

#: action -> what the reporter is told
ACTIONS = {
    "dismiss": "A moderator looked at it and found that it does not break the content policy.",
    "hide": "A moderator took it out of public view.",
    "remove": "A moderator removed it.",
    "strike": "A moderator gave its writer a strike.",
    "restore": "A moderator looked at it again and restored it.",
}
#: actions that change a segment itself
SEGMENT_ACTIONS = {"hide", "remove", "restore"}


class DecisionRefused(ValueError):
    """The decision cannot be applied; the message says why."""


def decide(case: ModerationCase, moderator: User, action: str, reason: str, *, strike: bool = False) -> None:
    """Apply ``action`` to the case's item with ``reason`` (and a strike for its writer when asked). Commits."""
    _apply(case, moderator, action, reason, strike=strike)
    db.session.commit()


def decide_many(cases: list[ModerationCase], moderator: User, action: str, reason: str, *, strike: bool = False) -> int:
    """The same decision for several cases, in one transaction: all apply or none. Returns how many."""
    for case in cases:
        _apply(case, moderator, action, reason, strike=strike)
    db.session.commit()
    return len(cases)


def _apply(case: ModerationCase, moderator: User, action: str, reason: str, *, strike: bool) -> None:
    reason = (reason or "").strip()
    if not (moderator and moderator.is_moderator):
        raise DecisionRefused("Only moderators can decide cases.")
    if action not in ACTIONS:
        raise DecisionRefused(f"Unknown action {action!r}; choose one of {', '.join(ACTIONS)}.")
    if not reason:
        raise DecisionRefused("Give a reason: it goes into the audit log and to the writer.")
    if not case.is_open:
        raise DecisionRefused(f"Case {case.id} was decided already ({case.decision}).")
    segment = segment_of(case)
    if action in SEGMENT_ACTIONS and segment is None:
        raise DecisionRefused(f"“{action}” acts on a segment; case {case.id} is about a {case.target_type}. "
                              "Dismiss it or strike the writer.")
    before = _state(case, segment)
    if segment is not None:
        if action == "dismiss" and segment.moderation_state in ("held", "hidden"):
            takedown.unhide(segment)
        elif action == "hide":
            takedown.hide(segment)
        elif action == "remove":
            takedown.remove(segment, reason)
        elif action == "restore":
            if segment.is_removed:
                takedown.restore(segment)
            else:
                takedown.unhide(segment)
    if (action == "strike" or strike) and case.writer is not None:
        strikes.issue_strike(case.writer, moderator, reason, case)
    if action == "restore":
        _lift_strikes_for(case, moderator, reason)
    case.status, case.decision, case.decision_reason = CaseStatus.CLOSED.value, action, reason
    case.decided_by_id, case.decided_at = moderator.id, utcnow()
    audit.record(moderator, f"{case.target_type}.{action}", case.target_type, case.target_ref, reason,
                 before=before, after=_state(case, segment))
    _tell_reporters(case, ACTIONS[action] + (" Its writer also received a strike." if strike and action != "strike" else ""))


def segment_of(case: ModerationCase) -> Segment | None:
    if case.target_type != "segment":
        return None
    return db.session.scalar(select(Segment).where(Segment.public_id == case.target_ref))


def _state(case: ModerationCase, segment: Segment | None) -> dict:
    state = {"case": case.id, "case_status": case.status}
    if segment is not None:
        state["moderation_state"] = segment.moderation_state
    return state


def _lift_strikes_for(case: ModerationCase, moderator: User, reason: str) -> None:
    """An upheld appeal lifts the strikes given for the same item."""
    from app.models import Strike

    earlier = select(ModerationCase.id).where(ModerationCase.target_type == case.target_type,
                                              ModerationCase.target_ref == case.target_ref)
    for strike in db.session.scalars(select(Strike).where(Strike.case_id.in_(earlier), Strike.lifted_at.is_(None))):
        strikes.lift(strike, moderator, reason)


def _tell_reporters(case: ModerationCase, outcome: str) -> None:
    for report in case.reports:
        if report.status != ReportStatus.OPEN:
            continue
        report.status, report.outcome = ReportStatus.CLOSED.value, outcome
        send_mail(report.reporter.email, "What happened to your report",
                  f"Hello {report.reporter.username},\n\nThank you for your report of {report.target_type} "
                  f"{report.target_ref}.\n{outcome}\n")
