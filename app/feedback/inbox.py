"""The feedback inbox: storing messages from the form and reading them back for admins."""
from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app import audit
from app.console import ConsoleError
from app.extensions import db
from app.models import Feedback, FeedbackNote, FeedbackStatus, Role, User

LABEL = re.compile(r"^[a-z0-9][a-z0-9-]{0,23}$")

#: messages per page of the admin listing
PAGE_SIZE = 50


def record_feedback(message: str, *, user: User | None, email: str | None = None, page_url: str | None = None) -> Feedback:
    """Store a message; a signed-in sender is known by account, so only anonymous senders leave an email."""
    anonymous = user is None
    feedback = Feedback(
        message=message.strip(),
        user_id=None if anonymous else user.id,
        email=((email or "").strip().lower() or None) if anonymous else None,
        page_url=(page_url or "").strip() or None,
    )
    db.session.add(feedback)
    db.session.commit()
    return feedback


def feedback_page(page: int = 1, *, status: str = "", assignee: str = "", label: str = ""):
    """One page of messages, newest first (a Flask-SQLAlchemy Pagination), filtered by status, by assignee's
    username ("none" for unassigned) and by label."""
    stmt = (select(Feedback).options(selectinload(Feedback.user), selectinload(Feedback.assignee))
            .order_by(Feedback.id.desc()))
    if status:
        stmt = stmt.where(Feedback.status == status)
    if assignee == "none":
        stmt = stmt.where(Feedback.assignee_id.is_(None))
    elif assignee:
        stmt = stmt.where(Feedback.assignee.has(func.lower(User.username) == assignee.lower()))
    if label:
        stmt = stmt.where((" " + Feedback.labels + " ").contains(f" {label.strip().lower()} ", autoescape=True))
    return db.paginate(stmt, page=page, per_page=PAGE_SIZE, error_out=False)


def team() -> list[User]:
    """Who feedback can be assigned to: moderators and admins."""
    return list(db.session.scalars(select(User).where(User.role.in_((Role.MODERATOR.value, Role.ADMIN.value)))
                                   .order_by(User.username)))


def clean_labels(text: str) -> str:
    labels = []
    for label in (text or "").replace(",", " ").lower().split():
        if not LABEL.match(label):
            raise ConsoleError(f"“{label[:30]}” can't be a label: use lowercase letters, digits and dashes.", "labels")
        if label not in labels:
            labels.append(label)
    joined = " ".join(labels)
    if len(joined) > 255:
        raise ConsoleError("That's too many labels; keep a few.", "labels")
    return joined


def triage(actor: User, item: Feedback, *, status: str, assignee_id: int | None, labels: str, note: str = "") -> None:
    """Move a message along: its status, who looks after it, its labels, and optionally a note to the thread."""
    if status not in {s.value for s in FeedbackStatus}:
        raise ConsoleError("Choose one of the statuses.", "status")
    assignee = None
    if assignee_id is not None:
        assignee = db.session.get(User, assignee_id)
        if assignee is None or not assignee.is_moderator:
            raise ConsoleError("Assign it to a moderator or an admin.", "assignee")
    labels = clean_labels(labels)
    note = (note or "").strip()
    if len(note) > 5000:
        raise ConsoleError("Keep a note to 5000 characters or fewer.", "note")
    before = {"status": item.status, "assignee": item.assignee.username if item.assignee else None, "labels": item.labels}
    after = {"status": status, "assignee": assignee.username if assignee else None, "labels": labels}
    if before == after and not note:
        raise ConsoleError("Nothing changed: pick a status, an assignee or labels, or write a note.")
    item.status, item.assignee, item.labels = status, assignee, labels
    if note:
        item.notes.append(FeedbackNote(author_id=actor.id, body=note))
    audit.record(actor, "feedback.triage", "feedback", item.id, note or "triaged",
                 before=before, after={**after, "note": bool(note)})
    db.session.commit()
