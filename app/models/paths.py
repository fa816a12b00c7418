"""Walking the segment tree: a branch's path from its root, the segments below one, the scenes that play one."""
from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import NamedTuple

from flask import has_request_context
from sqlalchemy import CTE, BindParameter, Select, bindparam, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models.scene import Scene, Segment, SegmentStatus, is_public_now
from app.models.user import User


def segment_walk(start_id: int | BindParameter, direction: str, name: str) -> CTE:
    """A recursive CTE of the ids reached from segment ``start_id`` (itself included), with ``parent_id``:
    ``"up"`` follows parents to the root, ``"down"`` follows children to every leaf."""
    walk = select(Segment.id, Segment.parent_id).where(Segment.id == start_id).cte(name, recursive=True)
    if direction == "up":
        step = Segment.id == walk.c.parent_id
    elif direction == "down":
        step = Segment.parent_id == walk.c.id
    else:
        raise ValueError(f"a segment walk goes 'up' or 'down', not {direction!r}")
    return walk.union_all(select(Segment.id, Segment.parent_id).join(walk, step))


def segment_path(head_id: int | None) -> list[Segment]:
    """The segments from the story's root to ``head_id``, oldest first, in one query.

    A path never changes once its head exists, so a request's session reads it once (the Bible page
    needs it for the fold, the history and the last appearances).
    """
    if head_id is None:
        return []
    memo = db.session().info.setdefault("segment_paths", {}) if has_request_context() else {}
    if head_id not in memo:
        memo[head_id] = _read_path(head_id)
    return list(memo[head_id])


@cache
def _path_statement() -> Select:
    """The path to the ``head_id`` parameter and its writers, built once: building the recursive walk and its
    cache key cost twice what running it does (2.6 ms of CPU against 0.9 ms, measured on the scale world)."""
    ancestors = segment_walk(bindparam("head_id"), "up", "ancestors")
    return (
        select(Segment)
        .where(Segment.id.in_(select(ancestors.c.id)))
        .options(joinedload(Segment.author))  # the path and its writers in one round trip
        .order_by(Segment.position)
    )


@cache
def _tail_statement() -> Select:
    """The segments of the ``scene_id`` parameter at the ``position`` parameter, with their writers."""
    return (select(Segment).where(Segment.scene_id == bindparam("scene_id"), Segment.position == bindparam("position"))
            .options(joinedload(Segment.author)))


def _read_path(head_id: int) -> list[Segment]:
    return list(db.session.scalars(_path_statement(), {"head_id": head_id}))


def scene_segments(scene: Scene) -> list[Segment]:
    """The branch's ready path plus its unfinished tail (the segment being generated or failed)."""
    path = segment_path(scene.head_segment_id)
    return path + unfinished_tail(scene, path[-1].position if path else None)


def unfinished_tail(scene: Scene, head_position: int | None) -> list[Segment]:
    """The segments of ``scene`` after its head (at ``head_position``; None before its first): the one being
    generated, or failed, with their writers."""
    next_position = head_position + 1 if head_position is not None else _first_position(scene)
    return list(db.session.scalars(_tail_statement(), {"scene_id": scene.id, "position": next_position}))


class Writer(NamedTuple):
    id: int
    username: str


class Step(NamedTuple):
    """One segment of a path as plain values: what a page names it by (its chapter, the player, links to it)
    without showing it in full. Reading a 200-segment path this way costs a tenth of reading its rows
    (``bench/README.md``), so a long branch's page reads in full only the segments it lists."""

    id: int
    public_id: str
    position: int
    status: str
    moderation_state: str
    prompt: str
    author_id: int
    author: Writer
    duration: float | None
    continuity_score: float | None
    #: whether its colours were corrected to match the scene (its continuity record says)
    corrected: bool
    poster_key: str | None
    thumb_key: str | None

    @property
    def is_ready(self) -> bool:
        return self.status == SegmentStatus.READY

    @property
    def is_public_now(self) -> bool:
        """Ready and not held, hidden or removed by moderation (as ``Segment.is_public_now``)."""
        return is_public_now(self.status, self.moderation_state)


def path_steps(head_id: int | None) -> list[Step]:
    """The path from the story's root to ``head_id`` as ``Step`` values, oldest first, in one query."""
    if head_id is None:
        return []
    return [Step(r.id, r.public_id, r.position, r.status, r.moderation_state, r.prompt, r.author_id,
                 Writer(r.author_id, r.username), r.duration, r.continuity_score, bool(r.corrected), r.poster_key,
                 r.thumb_key)
            for r in db.session.execute(_steps_statement(), {"head_id": head_id})]


@cache
def _steps_statement() -> Select:
    ancestors = segment_walk(bindparam("head_id"), "up", "ancestors")
    return (
        select(Segment.id, Segment.public_id, Segment.position, Segment.status, Segment.moderation_state,
               Segment.prompt, Segment.author_id, User.username, Segment.duration, Segment.continuity_score,
               Segment.continuity["after"]["corrected"].as_boolean().label("corrected"), Segment.poster_key,
               Segment.thumb_key)
        .join(User, User.id == Segment.author_id)
        .where(Segment.id.in_(select(ancestors.c.id)))
        .order_by(Segment.position)
    )


def segments_in_full(ids: Sequence[int]) -> list[Segment]:
    """The segments ``ids`` with their writers, in path order (a page's segments listed in full)."""
    if not ids:
        return []
    return list(db.session.scalars(_full_statement(), {"ids": list(ids)}))


@cache
def _full_statement() -> Select:
    return (select(Segment).where(Segment.id.in_(bindparam("ids", expanding=True)))
            .options(joinedload(Segment.author)).order_by(Segment.position))


def _first_position(scene: Scene) -> int:
    if scene.forked_from_segment_id is None:
        return 1
    fork_point = db.session.get(Segment, scene.forked_from_segment_id)
    return fork_point.position + 1 if fork_point else 1


def scenes_playing(segment_id: int) -> Select:
    """SELECT of the scenes whose branch runs through ``segment_id`` (their head is it or below it)."""
    below = segment_walk(segment_id, "down", "below")
    return select(Scene).where(Scene.head_segment_id.in_(select(below.c.id)))
