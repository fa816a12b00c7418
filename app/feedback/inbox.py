"""The feedback inbox: storing messages from the form and reading them back for admins."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Feedback, User

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


def feedback_page(page: int = 1):
    """One page of messages, newest first (a Flask-SQLAlchemy Pagination)."""
    stmt = select(Feedback).options(selectinload(Feedback.user)).order_by(Feedback.id.desc())
    return db.paginate(stmt, page=page, per_page=PAGE_SIZE, error_out=False)
