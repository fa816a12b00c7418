"""What the moderation queue shows for each case: the item, the evidence, the reports and the writer's history."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import ModerationCase, Segment, Strike, User
from app.models.base import utcnow
from app.moderation.reports import REASONS


@dataclass
class WriterHistory:
    username: str
    joined: datetime | None
    segments: int
    cases: int
    removed: int
    active_strikes: int


@dataclass
class CaseView:
    case: ModerationCase
    age: str
    segment: Segment | None
    frames: list[dict] = field(default_factory=list)
    reports: list[dict] = field(default_factory=list)
    writer: WriterHistory | None = None


def case_views(rows: list[ModerationCase]) -> list[CaseView]:
    now = utcnow()
    segments = {s.public_id: s for s in db.session.scalars(
        select(Segment).where(Segment.public_id.in_([c.target_ref for c in rows if c.target_type == "segment"])))}
    views = []
    for case in rows:
        segment = segments.get(case.target_ref) if case.target_type == "segment" else None
        check = (segment.moderation or {}) if segment is not None else {}
        reports = [{"reasons": [REASONS[r][0] for r in report.reasons if r in REASONS], "details": report.details,
                    "reporter": report.reporter.username, "at": report.created_at} for report in case.reports]
        views.append(CaseView(case, age_text(now - _aware(case.created_at)), segment, check.get("flagged", []), reports,
                              history(case.writer) if case.writer else None))
    return views


def history(writer: User) -> WriterHistory:
    """The writer's record: what they wrote, how often they were in the queue, what was removed, strikes."""
    segments = db.session.scalar(select(func.count(Segment.id)).where(Segment.author_id == writer.id))
    removed = db.session.scalar(select(func.count(Segment.id)).where(Segment.author_id == writer.id,
                                                                     Segment.moderation_state == "removed"))
    cases = db.session.scalar(select(func.count(ModerationCase.id)).where(ModerationCase.writer_id == writer.id))
    now = utcnow()
    strikes = [s for s in db.session.scalars(select(Strike).where(Strike.user_id == writer.id)) if s.active_at(now)]
    return WriterHistory(writer.username, writer.created_at, segments, cases, removed, len(strikes))


def age_since(when: datetime | None) -> str | None:
    return age_text(utcnow() - _aware(when)) if when else None


def age_text(delta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} d {seconds % 86400 // 3600} h"


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=utcnow().tzinfo)
