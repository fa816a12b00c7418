"""Who may see and change what. Private scenes look like missing ones to everyone else.

The visibility rule for segments: **a segment is as visible as the most visible
scene that plays it.** A user may see a segment (its playlist, its media, fork
from it) when they may see at least one scene whose branch runs through it.
So:

- making a scene private hides every segment that only it plays, including
  the ones written after a fork point and any written later;
- segments it already shares with forks that others made while it was
  visible stay playable through those forks, so the forks never break;
- a fork can expose nothing past its fork point: the rest of the parent is
  not on its branch;
- private scenes can be forked only by their owner, and the fork is private
  too, so nobody else can carry private segments into view.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, select, true

from app.extensions import db
from app.models import Scene, Segment, Visibility


class NotFound(LookupError):
    """Unknown, or not visible to this user (deliberately the same answer)."""


class Forbidden(PermissionError):
    """Visible, but this user may not do that."""


def visible_to(user) -> ColumnElement[bool]:
    """SQL criterion: scenes ``user`` may see (``Scene.viewable_by`` as a WHERE clause)."""
    if user is not None and getattr(user, "is_authenticated", False):
        if user.is_moderator:
            return true()
        return or_(Scene.visibility != Visibility.PRIVATE, Scene.owner_id == user.id)
    return Scene.visibility != Visibility.PRIVATE


def scenes_playing(segment_id: int):
    """SELECT of the scenes whose branch runs through ``segment_id`` (their head is it or below it)."""
    down = select(Segment.id).where(Segment.id == segment_id).cte("below", recursive=True)
    down = down.union_all(select(Segment.id).join(down, Segment.parent_id == down.c.id))
    return select(Scene).where(Scene.head_segment_id.in_(select(down.c.id)))


def segment_viewable(segment: Segment, user) -> bool:
    """The rule above: the scene that wrote it is visible, or some visible scene plays it."""
    if segment.scene.viewable_by(user):
        return True
    if not segment.is_ready:
        return False
    return bool(db.session.scalar(select(exists(scenes_playing(segment.id).where(visible_to(user)).subquery()))))


def carrier_scene(segment: Segment, user, preferred_id: int | None = None) -> Scene:
    """A scene ``user`` may see that plays ``segment``: ``preferred_id`` when it does, else the writer's."""
    if preferred_id and preferred_id != segment.scene_id:
        scene = db.session.scalar(scenes_playing(segment.id).where(Scene.id == preferred_id, visible_to(user)))
        if scene is not None:
            return scene
    if segment.scene.viewable_by(user):
        return segment.scene
    scene = db.session.scalars(scenes_playing(segment.id).where(visible_to(user)).order_by(Scene.id)).first()
    if scene is None:
        raise NotFound(f"segment {segment.id}")
    return scene


def visible_scene(scene_id: int, user) -> Scene:
    scene = db.session.get(Scene, scene_id)
    if scene is None or not scene.viewable_by(user):
        raise NotFound(f"scene {scene_id}")
    return scene


def visible_segment(segment_id: int, user) -> Segment:
    segment = db.session.get(Segment, segment_id)
    if segment is None or not segment_viewable(segment, user):
        raise NotFound(f"segment {segment_id}")
    return segment


def media_visible(key: str, user) -> bool:
    """Whether ``user`` may fetch the media stored under ``key`` (``segments/<id>/...``)."""
    parts = key.split("/")
    if len(parts) < 3 or parts[0] != "segments" or not parts[1].isdigit():
        return False
    segment = db.session.get(Segment, int(parts[1]))
    return segment is not None and segment_viewable(segment, user)


def is_author_or_owner(segment: Segment, user) -> bool:
    return bool(
        user and user.is_authenticated and (user.id in (segment.author_id, segment.scene.owner_id) or user.is_moderator)
    )
