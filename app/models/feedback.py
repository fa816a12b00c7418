"""Messages people send from the feedback form."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin
from app.models.user import User


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

    user: Mapped[User | None] = relationship()
