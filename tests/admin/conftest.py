"""An admin who signs in, and a small world whose every dashboard figure is known in advance."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import Feedback, GenerationJob, Role, Scene, Segment, SignIn, User
from tests import factories
from tests.conftest import AuthActions

#: the dashboard's "now" in the known world: the last day of its window is 2026-06-15
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def at(day: int, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    """A moment in June 2026 (UTC)."""
    return datetime(2026, 6, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def admin(app) -> User:
    return factories.make_user("root", role=Role.ADMIN)


@pytest.fixture
def admin_client(client, admin):
    AuthActions(client).login("root")
    return client


def make_user(name: str, created: datetime, role: str = Role.USER) -> User:
    user = factories.make_user(name, role=role)
    user.created_at = created
    db.session.commit()
    return user


def add_segment(scene: Scene, position: int, author: User, created: datetime, parent: Segment | None = None,
                prompt: str = "Waves roll in.") -> Segment:
    segment = Segment(scene=scene, parent=parent, position=position, author=author, prompt=prompt, provider="local",
                      seed=position, width=640, height=360, fps=24, duration=5.0, status="ready", created_at=created)
    db.session.add(segment)
    db.session.flush()
    scene.head_segment_id, scene.segment_count = segment.id, position
    return segment


def add_job(segment: Segment, provider: str, status: str, created: datetime, seconds: float | None,
            error_code: str | None = None) -> GenerationJob:
    job = GenerationJob(segment=segment, user_id=segment.author_id, provider=provider, status=status,
                        created_at=created, error_code=error_code,
                        finished_at=created + timedelta(seconds=seconds) if seconds is not None else None)
    db.session.add(job)
    return job


@dataclass
class KnownWorld:
    ana: User
    ben: User
    cy: User
    old: User
    scenes: dict


@pytest.fixture
def known_world(app, admin) -> KnownWorld:
    """Users, scenes, segments, jobs, sign-ins and feedback with hand-counted figures (see test_metrics)."""
    admin.created_at = NOW - timedelta(days=60)
    old = make_user("old", NOW - timedelta(days=40))
    ana, ben, cy = make_user("ana", at(15, 9)), make_user("ben", at(14)), make_user("cy", at(1))
    topic = factories.make_topic()

    s0 = Scene(title="Old", topic=topic, owner=old, created_at=NOW - timedelta(days=40))
    s1 = Scene(title="Lanterns", topic=topic, owner=ana, created_at=at(15, 9, 30))
    s2 = Scene(title="Harbour", topic=topic, owner=ben, created_at=at(14))
    db.session.add_all([s0, s1, s2])
    db.session.flush()
    o1 = add_segment(s0, 1, old, NOW - timedelta(days=40))
    o2 = add_segment(s0, 2, old, NOW - timedelta(days=40), o1)
    a1 = add_segment(s1, 1, ana, at(15, 9, 30))
    a2 = add_segment(s1, 2, ana, at(15, 9, 40), a1)
    a3 = add_segment(s1, 3, ana, at(15, 9, 50), a2)
    b1 = add_segment(s2, 1, ben, at(14, 10))
    b2 = add_segment(s2, 2, cy, at(14, 11), b1)
    f1 = Scene(title="Lanterns, elsewhere", topic=topic, owner=cy, created_at=at(15, 10),
               forked_from_segment_id=a2.id)
    db.session.add(f1)
    db.session.flush()
    c3 = add_segment(f1, 3, cy, at(15, 10), a2)

    add_job(o1, "local", "succeeded", NOW - timedelta(days=40), 30)
    add_job(o2, "local", "failed", NOW - timedelta(days=40), 30, "render_failed")
    add_job(a1, "local", "succeeded", at(15, 9, 30), 60)
    add_job(a2, "local", "succeeded", at(15, 9, 40), 120)
    add_job(a3, "runway", "failed", at(15, 9, 50), 45, "SAFETY.INPUT.TEXT")
    add_job(b1, "runway", "succeeded", at(14, 10), 300)
    add_job(b2, "luma", "failed", at(14, 11), 20)
    add_job(c3, "local", "cancelled", at(15, 10), 5)

    for user, moment in [(ana, at(15, 9)), (ana, at(15, 10)), (ben, at(15, 8)), (ben, at(14, 9)), (cy, at(10)),
                         (old, at(1)), (old, NOW - timedelta(days=31))]:
        db.session.add(SignIn(user_id=user.id, at=moment, address="203.0.113.5"))

    db.session.add_all([
        Feedback(message="The player stutters.", created_at=at(13), status="new"),
        Feedback(message="Love the forks.", user_id=ben.id, created_at=at(14), status="new"),
        Feedback(message="Typo on help page.", created_at=at(2), status="done"),
    ])
    db.session.commit()
    return KnownWorld(ana, ben, cy, old, {"old": s0, "lanterns": s1, "harbour": s2, "fork": f1})
