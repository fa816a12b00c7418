"""A world at production scale for load tests: writers, scenes, forks and segments, inserted in bulk.

The world is planned in memory (:mod:`app.seeding.shape`), given ids from the first free
ones, and written with bulk INSERTs in one transaction; scene heads are set once the
segments exist. Every segment plays one of a few real clips rendered once
(:mod:`app.seeding.clips`). Writers sign in as ``writer00001`` … with SCALE_PASSWORD.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from sqlalchemy import func, insert, select, text, update
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import BibleChange, BibleEntity, Role, Scene, Segment, SegmentStatus, User
from app.models.base import utcnow
from app.models.plan import SegmentPlan
from app.seeding.clips import media_clips, shared_media
from app.seeding.shape import World, WorldSize, plan_world
from app.topics.catalog import list_topics

SCALE_DOMAIN = "scale.storyforge.local"
#: every scale account's password (one hash, computed once, shared by all of them)
SCALE_PASSWORD = "lanterns-at-dusk"
MEDIA_OWNER = "lamplighter"
BATCH = 5000


class ScaleWorldRefused(ValueError):
    """The scale world can't be built here as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Built:
    users: int
    scenes: int
    segments: int
    bible_changes: int
    forks: int
    seconds: float


def writer_name(number: int) -> str:
    return f"writer{number:05d}"


def build_scale_world(size: WorldSize, *, clips: int = 4, add: bool = False, seed: int = 7,
                      report: Callable[[str], None] = lambda message: None) -> Built:
    """Add ``size`` writers, scenes and segments. Refuses when a scale world exists, unless ``add``."""
    started = time.perf_counter()
    size.check()
    topics = list_topics()
    if not topics:
        raise ScaleWorldRefused("There are no topics yet: run `flask seed` first.")
    writers = db.session.scalar(select(func.count(User.id)).where(User.email.like(f"writer%@{SCALE_DOMAIN}")))
    if writers and not add:
        raise ScaleWorldRefused(f"A scale world is already here ({writers} writers). "
                                "Run with --add to add another, or build it in a fresh database.")
    password_hash = generate_password_hash(SCALE_PASSWORD, method="scrypt")
    media = media_clips(_media_owner(password_hash), topics[0], clips)
    report(f"media clips ready: {len(media)} rendered segment(s) shared by every scale segment")
    rng = random.Random(seed + writers)
    world = plan_world(size, len(topics), rng)
    report(f"planned in {time.perf_counter() - started:.1f} s")
    loader = _Loader(world, [t.id for t in topics], [shared_media(c) for c in media], rng, utcnow())
    try:
        loader.load(first_writer=writers + 1, password_hash=password_hash, report=report)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    _after_bulk_load()
    forks = sum(1 for point in world.fork_point if point >= 0)
    return Built(size.users, size.scenes, size.segments, len(world.bible), forks, time.perf_counter() - started)


def _media_owner(password_hash: str) -> User:
    user = db.session.scalar(select(User).where(User.username == MEDIA_OWNER))
    if user is None:
        user = User(email=f"{MEDIA_OWNER}@{SCALE_DOMAIN}", username=MEDIA_OWNER, password_hash=password_hash,
                    role=Role.USER.value)
        db.session.add(user)
        db.session.commit()
    return user


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _batches(rows: Iterable[dict], size: int = BATCH) -> Iterator[list[dict]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


class _Loader:
    """Turns a planned World into rows with ids and writes them."""

    def __init__(self, world: World, topic_ids: list[int], clips: list[dict], rng: random.Random, now: datetime):
        self.w, self.topic_ids, self.clips, self.rng, self.now = world, topic_ids, clips, rng, now
        self.user0 = self.scene0 = self.segment0 = 0
        # the path duration up to each segment, from the clip each one plays
        self.elapsed: list[float] = []
        for offset, parent in enumerate(world.parent):
            here = clips[offset % len(clips)]["duration"] or 0.0
            self.elapsed.append(here + (self.elapsed[parent] if parent >= 0 else 0.0))

    def load(self, *, first_writer: int, password_hash: str, report: Callable[[str], None]) -> None:
        self.user0, self.scene0, self.segment0 = _next_id(User), _next_id(Scene), _next_id(Segment)
        steps = [
            ("writers", User, self._users(first_writer, password_hash), insert),
            ("scenes", Scene, self._scenes(), insert),
            ("segments", Segment, self._segments(), insert),
            ("scene heads", Scene, self._heads(), update),
            ("bible entities", BibleEntity, self._entities(), insert),
            ("bible changes", BibleChange, self._changes(), insert),
        ]
        for label, model, rows, statement in steps:
            started, count = time.perf_counter(), 0
            for batch in _batches(rows):
                db.session.execute(statement(model), batch)
                count += len(batch)
            report(f"{label}: {count} rows in {time.perf_counter() - started:.1f} s")

    def _at(self, seconds_ago: float) -> datetime:
        return self.now - timedelta(seconds=seconds_ago)

    def _users(self, first: int, password_hash: str) -> Iterator[dict]:
        for i in range(self.w.size.users):
            name = writer_name(first + i)
            joined = self._at(400 * 86400 - i)
            yield {"id": self.user0 + i, "email": f"{name}@{SCALE_DOMAIN}", "username": name,
                   "password_hash": password_hash, "role": Role.USER.value,
                   "created_at": joined, "updated_at": joined}

    def _scenes(self) -> Iterator[dict]:
        w = self.w
        for i in range(w.size.scenes):
            head = w.head[i]
            yield {"id": self.scene0 + i, "title": w.title[i], "topic_id": self.topic_ids[w.topic[i]],
                   "owner_id": self.user0 + w.owner[i], "visibility": w.visibility[i], "head_segment_id": None,
                   "forked_from_segment_id": None, "segment_count": w.position[head],
                   "total_duration": round(self.elapsed[head], 3), "created_at": self._at(w.started[i]),
                   "updated_at": self._at(w.updated(i))}

    def _segments(self) -> Iterator[dict]:
        w, rng = self.w, self.rng
        for o in range(len(w.scene)):
            at = self._at(w.age[o])
            parent = w.parent[o]
            yield {"id": self.segment0 + o, "scene_id": self.scene0 + w.scene[o],
                   "parent_id": self.segment0 + parent if parent >= 0 else None, "position": w.position[o],
                   "author_id": self.user0 + w.author[o], "status": SegmentStatus.READY.value, "prompt": w.prompt[o],
                   "expanded_prompt": f"{w.prompt[o]} Cinematic, steady camera, soft light.",
                   "seed": rng.randrange(2**31), "plan": SegmentPlan(linked=w.linked.get(o, [])).to_json(),
                   "created_at": at, "updated_at": at, **self.clips[o % len(self.clips)]}

    def _heads(self) -> Iterator[dict]:
        """Heads and fork points, set once the segments exist (updated_at is given so it isn't bumped)."""
        w = self.w
        for i in range(w.size.scenes):
            point = w.fork_point[i]
            yield {"id": self.scene0 + i, "head_segment_id": self.segment0 + w.head[i],
                   "forked_from_segment_id": self.segment0 + point if point >= 0 else None,
                   "updated_at": self._at(w.updated(i))}

    def _entities(self) -> Iterator[dict]:
        w = self.w
        for row in w.bible:
            if row.creates:
                at = self._at(w.age[row.segment])
                yield {"root_segment_id": self.segment0 + w.root_of[row.segment], "public_id": row.entity_id,
                       "kind": row.key, "name": row.value, "created_segment_id": self.segment0 + row.segment,
                       "created_at": at, "updated_at": at}

    def _changes(self) -> Iterator[dict]:
        w = self.w
        for row in w.bible:
            at = self._at(w.age[row.segment])
            yield {"segment_id": self.segment0 + row.segment, "entity_public_id": row.entity_id, "op": row.op,
                   "key": row.key, "value": row.value or None, "author_id": self.user0 + w.author[row.segment],
                   "created_at": at, "updated_at": at}


def _after_bulk_load() -> None:
    """On PostgreSQL, move the id sequences past the ids given explicitly, then vacuum and analyze the loaded
    tables: the heads' update leaves a dead row behind for every scene, and a world should start every run
    from the same state rather than from wherever autovacuum has got to."""
    if db.engine.dialect.name != "postgresql":
        return
    for model in (User, Scene, Segment):
        table = model.__tablename__
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE users, scenes, segments, bible_entities, bible_changes"))
