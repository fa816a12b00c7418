"""What the home and topic pages list: public scenes with something to watch.

Lists page by keyset (newest activity first, then id), never by offset: a page
costs the same however deep it is, and a scene that moves while someone reads
doesn't make them skip or repeat others.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Scene, Visibility


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the last scene's activity time and id (``"<iso time>~<id>"`` in URLs)."""

    updated_at: datetime
    scene_id: int

    def __str__(self) -> str:
        return f"{self.updated_at.isoformat()}~{self.scene_id}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """The cursor in ``text``, or None for the first page (a malformed cursor starts over)."""
        if not text or "~" not in text:
            return None
        when, _, scene_id = text.rpartition("~")
        try:
            return cls(datetime.fromisoformat(when), int(scene_id))
        except ValueError:
            return None


@dataclass(frozen=True)
class ScenePage:
    scenes: list[Scene]
    #: the cursor of the next page, None on the last one
    next: Cursor | None


def _listed():
    return select(Scene).where(Scene.visibility == Visibility.PUBLIC, Scene.head_segment_id.is_not(None)).options(
        selectinload(Scene.head), selectinload(Scene.owner), selectinload(Scene.topic))


def recent_scenes(limit: int = 12, after: Cursor | None = None, topic_id: int | None = None) -> ScenePage:
    """Public scenes with a ready segment, newest activity first, starting after ``after``."""
    stmt = _listed().order_by(Scene.updated_at.desc(), Scene.id.desc()).limit(limit + 1)
    if topic_id is not None:
        stmt = stmt.where(Scene.topic_id == topic_id)
    if after is not None:
        stmt = stmt.where(or_(Scene.updated_at < after.updated_at,
                              and_(Scene.updated_at == after.updated_at, Scene.id < after.scene_id)))
    scenes = list(db.session.scalars(stmt))
    more = len(scenes) > limit
    scenes = scenes[:limit]
    return ScenePage(scenes, Cursor(scenes[-1].updated_at, scenes[-1].id) if more else None)


def featured_scenes(limit: int = 4) -> list[Scene]:
    """The stories people keep adding to: the longest public scenes, most recently active first among equals."""
    stmt = _listed().where(Scene.segment_count > 1).order_by(
        Scene.segment_count.desc(), Scene.updated_at.desc(), Scene.id.desc()).limit(limit)
    return list(db.session.scalars(stmt))
