"""People report what they think breaks the content policy; each report joins its item's case in the queue."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Report, Scene, User
from app.models.moderation import ReportStatus
from app.moderation.cases import open_case
from app.story.access import NotFound, visible_scene, visible_segment

#: the reasons a person can tick, in the order the form shows them, and how urgent each is
REASONS = {
    "sexual": ("Sexual content", 60),
    "violence": ("Violence or gore", 50),
    "harassment": ("Harassment or bullying", 45),
    "hate": ("Hate", 55),
    "self_harm": ("Self-harm", 70),
    "spam": ("Spam", 20),
    "copyright": ("Copyright", 40),
    "other": ("Something else", 30),
}
#: what can be reported, as named in URLs
TARGET_TYPES = {"segment": "segment", "scene": "scene", "profile": "profile", "bible": "Scene Bible entry"}
DETAILS_MAX = 1000


class ReportRefused(ValueError):
    """The report cannot be filed; the message says why and what to do."""


@dataclass(frozen=True)
class Reportable:
    """Something a person may report: its kind, its reference, whose it is and how to name it."""

    target_type: str
    ref: str
    writer: User | None
    label: str


def reportable(target_type: str, ref: str, user) -> Reportable:
    """The item ``ref`` names, when ``user`` may see it; raises NotFound otherwise."""
    if target_type == "segment":
        segment = visible_segment(ref, user)
        return Reportable("segment", segment.public_id, segment.author, f"segment {segment.position} of “{segment.scene.title}”")
    if target_type == "scene":
        scene = visible_scene(ref, user)
        return Reportable("scene", scene.public_id, scene.owner, f"scene “{scene.title}”")
    if target_type == "profile":
        person = db.session.scalar(select(User).where(User.username == ref))
        if person is None:
            raise NotFound(ref)
        return Reportable("profile", person.username, person, f"{person.username}'s profile")
    if target_type == "bible":
        scene_ref, _, entity = ref.partition(":")
        scene: Scene = visible_scene(scene_ref, user)
        if not entity or len(entity) > 12 or not entity.isalnum():
            raise NotFound(ref)
        return Reportable("bible", f"{scene.public_id}:{entity}", scene.owner, f"Scene Bible entry {entity} of “{scene.title}”")
    raise NotFound(target_type)


def file_report(reporter: User, item: Reportable, reasons: list[str], details: str = "") -> Report:
    """Record the report and put its item in the queue (a case opened or joined). Commits."""
    reasons = [r for r in dict.fromkeys(reasons) if r in REASONS]
    if not reasons:
        raise ReportRefused("Pick at least one reason for the report.")
    details = (details or "").strip()
    if len(details) > DETAILS_MAX:
        raise ReportRefused(f"Keep the details to {DETAILS_MAX} characters or fewer.")
    if open_report(reporter, item) is not None:
        raise ReportRefused(f"You have already reported this {TARGET_TYPES[item.target_type]}; "
                            "we will tell you what happens when a moderator has looked at it.")
    severity = max(REASONS[r][1] for r in reasons)
    labels = ", ".join(REASONS[r][0].lower() for r in reasons)
    case = open_case(item.target_type, item.ref, source="report", severity=severity,
                     summary=f"Reported for {labels}", writer_id=item.writer.id if item.writer else None)
    case.severity = min(100, max(case.severity, severity) + 5 * len(case.reports))  # more reports, more urgent
    report = Report(reporter_id=reporter.id, target_type=item.target_type, target_ref=item.ref, reasons=reasons,
                    details=details, status=ReportStatus.OPEN.value, case=case)
    db.session.add(report)
    try:
        db.session.commit()
    except IntegrityError as err:  # a second tab filed the same report a moment earlier
        db.session.rollback()
        raise ReportRefused(f"You have already reported this {TARGET_TYPES[item.target_type]}.") from err
    from app.moderation.abuse import report_filed

    report_filed(item.writer)
    return report


def open_report(reporter: User, item: Reportable) -> Report | None:
    return db.session.scalar(select(Report).where(
        Report.reporter_id == reporter.id, Report.target_type == item.target_type, Report.target_ref == item.ref,
        Report.status == ReportStatus.OPEN.value))


def reports_by(reporter: User, limit: int = 50) -> list[Report]:
    """The person's reports, newest first, with what happened to each."""
    return list(db.session.scalars(select(Report).where(Report.reporter_id == reporter.id)
                                   .order_by(Report.created_at.desc(), Report.id.desc()).limit(limit)))
