"""Messages people send from the feedback form, and the team's triage of them."""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin
from app.models.user import User


class FeedbackStatus(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    WONT_DO = "wont_do"

    @property
    def label(self) -> str:
        return {"in_progress": "in progress", "wont_do": "won't do"}.get(self.value, self.value)


#: statuses that still wait for the team
OPEN_STATUSES = (FeedbackStatus.NEW.value, FeedbackStatus.TRIAGED.value, FeedbackStatus.IN_PROGRESS.value)


class Feedback(TimestampMixin, db.Model):
    """One message to the team, from a signed-in user or an anonymous visitor."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the signed-in sender; None for anonymous messages (and when the account is deleted)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: where an anonymous sender would like a reply, if they gave one
    email: Mapped[str | None] = mapped_column(String(254))
    message: Mapped[str] = mapped_column(Text)
    #: the page the message is about, if the sender said
    page_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default=FeedbackStatus.NEW.value, server_default="new", index=True)
    #: the team member looking after it
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: space-separated labels ("bug mobile")
    labels: Mapped[str] = mapped_column(String(255), default="", server_default=text("''"))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    notes: Mapped[list[FeedbackNote]] = relationship(order_by="FeedbackNote.id", cascade="all, delete-orphan")

    @property
    def label_list(self) -> list[str]:
        return self.labels.split()


class FeedbackNote(TimestampMixin, db.Model):
    """The team's note on a feedback message (a thread, oldest first)."""

    __tablename__ = "feedback_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)

    author: Mapped[User | None] = relationship()
