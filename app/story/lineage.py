"""Where a scene came from, what forked from it, and merging a fork back."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Scene, Segment, User
from app.models.base import utcnow
from app.models.paths import segment_path
from app.story.access import Forbidden, can_merge


class MergeRefused(ValueError):
    """The fork can't be fast-forwarded into its parent; the message says why."""


@dataclass(frozen=True)
class Origin:
    scene: Scene | None
    segment: Segment


def origin_of(scene: Scene) -> Origin | None:
    """The scene and segment this scene was forked from (None for an original)."""
    if scene.forked_from_segment_id is None:
        return None
    segment = db.session.get(Segment, scene.forked_from_segment_id)
    return Origin(segment.scene if segment else None, segment) if segment else None


def forks_of(scene: Scene, viewer) -> list[Scene]:
    """Scenes forked at a segment this scene created, listed for ``viewer`` (newest first; unlisted ones
    only for their owner)."""
    own = select(Segment.id).where(Segment.scene_id == scene.id)
    forks = db.session.scalars(
        select(Scene).where(Scene.forked_from_segment_id.in_(own), Scene.id != scene.id)
        .options(selectinload(Scene.owner)).order_by(Scene.created_at.desc())
    )
    return [f for f in forks if f.listed_for(viewer)]


def merge_fork(parent: Scene, fork: Scene, user: User) -> Scene:
    """Fast-forward ``parent`` to ``fork``'s head when the parent has not moved since the fork point."""
    if not can_merge(parent, user):
        raise Forbidden("Only the scene's owner can merge a fork into it.")
    if fork.forked_from_segment_id is None or fork.head_segment_id is None:
        raise MergeRefused("That scene is not a fork with segments of its own.")
    if fork.forked_from_segment_id not in [s.id for s in segment_path(parent.head_segment_id)]:
        raise MergeRefused("That fork did not branch from this scene.")
    if parent.head_segment_id != fork.forked_from_segment_id:
        raise MergeRefused("This scene has moved on since the fork was made, so its segments can't be "
                           "added without rewriting the story. Continue the fork on its own instead.")
    if fork.head_segment_id == parent.head_segment_id:
        raise MergeRefused("The fork has no new segments to merge.")
    head = db.session.get(Segment, fork.head_segment_id)
    parent.head_segment_id = head.id
    parent.segment_count = head.position
    parent.total_duration = round(sum(s.duration or 0 for s in segment_path(head.id)), 3)
    parent.updated_at = utcnow()
    db.session.commit()
    return parent
