"""The moderation queue's cases: opened by the post-generation check, reports, abuse rules and appeals."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.models import ModerationCase
from app.models.moderation import CaseStatus


def open_case(target_type: str, target_ref: str, *, source: str, severity: int, summary: str,
              writer_id: int | None = None, evidence: dict[str, Any] | None = None) -> ModerationCase:
    """The open case for the target, made now or joined: a case that exists takes the higher severity and
    the new summary line. Added to the caller's transaction."""
    case = open_case_for(target_type, target_ref)
    if case is None:
        case = ModerationCase(target_type=target_type, target_ref=str(target_ref), source=source,
                              severity=max(0, min(100, severity)), summary=summary, writer_id=writer_id,
                              evidence=evidence or {}, status=CaseStatus.OPEN.value)
        db.session.add(case)
        db.session.flush()
        return case
    case.severity = max(case.severity, min(100, severity))
    if summary and summary not in case.summary:
        case.summary = f"{case.summary}\n{summary}".strip()
    if evidence:
        case.evidence = {**(case.evidence or {}), **evidence}
    if writer_id and not case.writer_id:
        case.writer_id = writer_id
    return case


def open_case_for(target_type: str, target_ref: str) -> ModerationCase | None:
    return db.session.scalar(select(ModerationCase).where(
        ModerationCase.target_type == target_type, ModerationCase.target_ref == str(target_ref),
        ModerationCase.status == CaseStatus.OPEN.value))


def backlog() -> tuple[int, Any]:
    """How many cases are open, and when the oldest was opened (None when none is)."""
    count, oldest = db.session.execute(select(func.count(ModerationCase.id), func.min(ModerationCase.created_at))
                                       .where(ModerationCase.status == CaseStatus.OPEN.value)).one()
    return count, oldest


def queue(limit: int = 100) -> list[ModerationCase]:
    """Open cases, most severe first, then oldest first."""
    return list(db.session.scalars(
        select(ModerationCase).where(ModerationCase.status == CaseStatus.OPEN.value)
        .order_by(ModerationCase.severity.desc(), ModerationCase.created_at, ModerationCase.id).limit(limit)))
