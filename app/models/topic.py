from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import TimestampMixin


class Topic(TimestampMixin, db.Model):
    __tablename__ = "topics"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    #: the topic's visual: a hue (0-359) and a motif drawn as inline SVG
    hue: Mapped[int] = mapped_column(Integer, default=220)
    motif: Mapped[str] = mapped_column(String(32), default="stars")
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: the uploaded cover picture (a storage key), drawn instead of the motif when set
    cover_key: Mapped[str | None] = mapped_column(String(255))
    #: archived topics take no new scenes and leave the lists; their scenes stay where they are
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def to_json(self) -> dict:
        return {"slug": self.slug, "name": self.name, "description": self.description}


class TopicRedirect(db.Model):
    """A slug a topic used to have: its old address keeps working by redirecting to the new one."""

    __tablename__ = "topic_redirects"

    id: Mapped[int] = mapped_column(primary_key=True)
    old_slug: Mapped[str] = mapped_column(String(64), unique=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
