"""Where a scene came from, what forked from it, and merging a fork back."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, and_, bindparam, case, func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Scene, Segment, User
from app.models.base import utcnow
from app.models.paths import segment_path
from app.story.access import Forbidden, can_merge, listed_to_kind, viewer_kind


class MergeRefused(ValueError):
    """The fork can't be fast-forwarded into its parent; the message says why."""


@dataclass(frozen=True)
class Origin:
    scene: Scene
    segment: Segment


def origin_of(scene: Scene) -> Origin | None:
    """The scene and segment this scene was forked from (None for an original)."""
    if scene.forked_from_segment_id is None:
        return None
    segment = db.session.scalar(_origin(), {"segment_id": scene.forked_from_segment_id})
    return Origin(segment.scene, segment) if segment else None


@cache
def _origin() -> Select:
    """The segment the ``segment_id`` parameter names with its scene and both their writers, as a fork's page
    names them: one statement (built once)."""
    return select(Segment).where(Segment.id == bindparam("segment_id")).options(
        joinedload(Segment.author), joinedload(Segment.scene).joinedload(Scene.owner))


#: how many forks a scene page lists (the story tree shows them all)
FORKS_SHOWN = 12


@dataclass(frozen=True)
class ForkCard:
    """One fork as a scene page lists it: plain values, no ORM object."""

    public_id: str
    title: str
    owner: str
    segment_count: int
    #: forked at the scene's head and with segments of its own: its owner can merge it back
    mergeable: bool


@dataclass(frozen=True)
class Forks:
    """The forks of a scene listed for one viewer: the first ``FORKS_SHOWN`` of them and how many there are."""

    shown: list[ForkCard]
    total: int

    def __bool__(self) -> bool:
        return self.total > 0

    def __iter__(self):
        return iter(self.shown)

    @property
    def more(self) -> int:
        return self.total - len(self.shown)


def forks_of(scene: Scene, viewer, limit: int = FORKS_SHOWN) -> Forks:
    """Scenes forked at a segment this scene created, listed for ``viewer`` (public ones, and their own;
    every one for a moderator): the newest ``limit`` of them and the count of all, in one statement. For the
    scene's owner, forks that can be merged back (forked at its head, with segments of their own) come first."""
    who = viewer_kind(viewer)
    signed_in = who != "reader"
    owner_first = signed_in and viewer.id == scene.owner_id and scene.head_segment_id is not None
    rows = db.session.execute(_forks_statement(who, owner_first, limit),
                              {"scene_id": scene.id, "head_id": scene.head_segment_id,
                               "viewer_id": viewer.id if signed_in else None}).all()
    return Forks([ForkCard(*row[:4], bool(row[4])) for row in rows], rows[0][5] if rows else 0)


@cache
def _forks_statement(who: str, owner_first: bool, limit: int) -> Select:
    """``forks_of``'s statement for one ``viewer_kind`` (built once each: it is read on every first view of a
    scene page); its parameters are the scene, its head and the viewer."""
    scene_id, head_id = bindparam("scene_id"), bindparam("head_id")
    listed = listed_to_kind(who, bindparam("viewer_id"))
    mergeable = and_(Scene.forked_from_segment_id == head_id, Scene.head_segment_id != head_id)
    order = [Scene.created_at.desc(), Scene.id.desc()]
    if owner_first:
        order.insert(0, case((mergeable, 0), else_=1))
    own = select(Segment.id).where(Segment.scene_id == scene_id)
    return (select(Scene.public_id, Scene.title, User.username, Scene.segment_count,
                   func.coalesce(mergeable, False), func.count().over())
            .join(User, User.id == Scene.owner_id)
            .where(Scene.forked_from_segment_id.in_(own), Scene.id != scene_id, listed)
            .order_by(*order).limit(limit))


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
