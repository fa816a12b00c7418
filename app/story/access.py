"""Who may see and change what. Private scenes look like missing ones to everyone else."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Scene, Segment


class NotFound(LookupError):
    """Unknown, or not visible to this user (deliberately the same answer)."""


class Forbidden(PermissionError):
    """Visible, but this user may not do that."""


def visible_scene(scene_id: int, user) -> Scene:
    scene = db.session.get(Scene, scene_id)
    if scene is None or not scene.viewable_by(user):
        raise NotFound(f"scene {scene_id}")
    return scene


def visible_segment(segment_id: int, user) -> Segment:
    segment = db.session.get(Segment, segment_id)
    if segment is None or not segment.scene.viewable_by(user):
        raise NotFound(f"segment {segment_id}")
    return segment


def media_visible(key: str, user) -> bool:
    """Whether ``user`` may fetch the media stored under ``key`` (``segments/<id>/...``)."""
    parts = key.split("/")
    if len(parts) < 3 or parts[0] != "segments" or not parts[1].isdigit():
        return False
    scene = db.session.scalar(select(Scene).join(Segment, Segment.scene_id == Scene.id).where(Segment.id == int(parts[1])))
    return scene is not None and scene.viewable_by(user)


def is_author_or_owner(segment: Segment, user) -> bool:
    return bool(
        user and user.is_authenticated and (user.id in (segment.author_id, segment.scene.owner_id) or user.is_moderator)
    )
