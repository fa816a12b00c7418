from __future__ import annotations

from sqlalchemy import Integer, String, Text
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

    def to_json(self) -> dict:
        return {"slug": self.slug, "name": self.name, "description": self.description}
