"""The Scene Bible as stored: the ids given out in a story tree, and the changes segments made."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin
from app.models.user import User


class BibleEntity(TimestampMixin, db.Model):
    """A public id (C1, L2 …) given out once in a story tree, so no branch ever reuses it."""

    __tablename__ = "bible_entities"
    __table_args__ = (UniqueConstraint("root_segment_id", "public_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    root_segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), index=True)
    public_id: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    created_segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))


class BibleChange(TimestampMixin, db.Model):
    """One change a segment made to the Bible; the Bible at a segment folds these along its path."""

    __tablename__ = "bible_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), index=True)
    entity_public_id: Mapped[str] = mapped_column(String(12))
    op: Mapped[str] = mapped_column(String(24))
    key: Mapped[str | None] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(String(255))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    author: Mapped[User | None] = relationship()
