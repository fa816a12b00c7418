"""Demo content: a house account and a handful of short scenes, written through the ordinary story functions.

``seed_demo()`` creates the account and starts the first segment of every demo
scene, then puts one "advance" job per scene on the ``default`` queue. The
worker takes ``generate`` before ``default``, so every first segment (and so
every poster on the home page) is rendered before any continuation. Each
advance job looks at its scene's newest segment: when it is ready, the job
continues the scene with the next prompt (or forks it, where the plan says
so) and queues another advance job behind that generation; when it is still
rendering on another worker, the job looks again a few seconds later.

Everything goes through ``create_scene``, ``continue_scene`` and ``fork_at``,
so the Scene Bible, continuity checks and the generation pipeline run exactly
as they do for people; only the per-user generation quotas are waived.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from app.extensions import db, queue
from app.generation.submit import quotas_waived
from app.models import Role, Scene, Segment, SegmentStatus, User
from app.story.writing import SceneMoved, continue_scene, create_scene, fork_at
from app.topics.catalog import seed_topics

log = logging.getLogger(__name__)

DEMO_USERNAME = "storyforge"
DEMO_EMAIL = "demo@storyforge.local"
ADVANCE_FUNC = "jobs.seeding.advance_demo_scene"
#: the advance jobs wait behind every queued generation (the worker takes `generate` first)
ADVANCE_QUEUE = "default"
#: seconds between looks at a segment that another worker is still rendering
RECHECK_SECONDS = 5
#: looks before the demo stops waiting for a segment (an hour at RECHECK_SECONDS)
MAX_CHECKS = 720


class DemoRefused(Exception):
    """The demo can't be seeded here; the message says why."""


@dataclass(frozen=True)
class DemoFork:
    """A branch taken off a demo scene after its segment at position ``at``."""

    at: int
    title: str
    prompts: tuple[str, ...]


@dataclass(frozen=True)
class DemoScene:
    """A demo scene: its first prompt starts it, each further prompt continues it once the previous segment is ready."""

    key: str
    title: str
    topic: str
    prompts: tuple[str, ...]
    #: a style entity declared with the first segment (it grades the local renderer's picture)
    style: str | None = None
    fork: DemoFork | None = None


DEMO_SCENES: tuple[DemoScene, ...] = (
    DemoScene(
        key="lighthouse",
        title="The Keeper of Gull Rock",
        topic="everyday-wonders",
        style="Soft watercolour",
        prompts=(
            "Old Tom, in a yellow raincoat, is the lighthouse keeper; at dusk he climbs the spiral stairs "
            "of Gull Rock Lighthouse and lights the great lamp.",
            "A small grey seal hauls itself onto the rocks below Gull Rock Lighthouse, and Old Tom waves "
            "his lantern at it.",
            "Old Tom shares his supper with the seal while the beam of the lighthouse sweeps across a calm silver sea.",
        ),
    ),
    DemoScene(
        key="fox-detective",
        title="The Case of the Stolen Pocket Watch",
        topic="noir-city",
        style="Rainy noir",
        prompts=(
            "Detective Juniper, in a brown coat, is a clever fox who sniffs a muddy paw print under a "
            "flickering streetlamp on Willow Street in the rain.",
            "Detective Juniper follows the paw prints and walks to the Moonlight Cafe, where a nervous "
            "raccoon named Pip clutches a stolen pocket watch.",
            "Pip sighs and hands the pocket watch back, and Detective Juniper tips her hat and strolls off "
            "into the rainy night.",
        ),
        fork=DemoFork(
            at=2,
            title="The Stolen Pocket Watch: The Rooftop Thief",
            prompts=(
                "Pip has an alibi after all: Detective Juniper spots the real thief, a sleek black cat named "
                "Duchess, slipping across the rooftops with the pocket watch.",
                "Detective Juniper chases Duchess over the moonlit rooftops and catches the pocket watch as it falls.",
            ),
        ),
    ),
    DemoScene(
        key="robot-gardener",
        title="The Gardener of Orbit Station",
        topic="space-opera",
        prompts=(
            "Bolt, a small robot with a watering can, tends glowing blue flowers in the greenhouse dome of "
            "Orbit Station while a ringed planet drifts past the window.",
            "A shy green alien named Zib peeks out from the ferns, and Bolt offers it a glowing blue flower.",
        ),
    ),
    DemoScene(
        key="glowing-whale",
        title="The Whale Who Glowed",
        topic="deep-sea",
        prompts=(
            "Captain Reyes, in a red helmet, steers a tiny submarine past Coral Bay into the deep, its lamp "
            "catching drifting specks of light.",
            "A gentle glowing whale rises beside the submarine, and Captain Reyes presses her hand to the glass in wonder.",
            "The whale guides Captain Reyes to a hidden garden of luminous coral that sparkles like a sunken city.",
        ),
    ),
    DemoScene(
        key="shy-ghost",
        title="Tea with Lady Wisp",
        topic="haunted-manor",
        style="Cozy candlelight",
        prompts=(
            "Lady Wisp, in a white gown, is a shy ghost who sets out teacups in the candlelit parlour of "
            "Hollow Manor and waits for guests.",
            "A curious girl named Nell, in a green raincoat, knocks at the door of Hollow Manor, and Lady Wisp "
            "pours her a cup of tea.",
            "Lady Wisp and Nell laugh as the teacups float around the parlour and the candles glow a little brighter.",
        ),
    ),
    DemoScene(
        key="pixel-knight",
        title="Sir Byte and the Glitch Level",
        topic="retro-arcade",
        style="Vivid pixel art",
        prompts=(
            "Sir Byte, in silver armour, is a pixel knight who leaps across floating platforms in a glowing "
            "arcade level, collecting gold coins.",
            "The level glitches into rainbow squares, and Sir Byte rides a friendly pixel dragon named Ember "
            "to the final castle.",
        ),
    ),
    DemoScene(
        key="breakfast-loop",
        title="Breakfast with Myself",
        topic="time-travel",
        prompts=(
            "Professor Quill, in a purple coat, winds the old kitchen clock in her tiny house on Teaspoon Lane "
            "and sits down to breakfast.",
            "A second Professor Quill, a little older, steps out of the pantry and pours the tea.",
        ),
    ),
)


def demo_user() -> User | None:
    """The demo account, if this database has one."""
    return db.session.scalar(select(User).where(or_(User.username == DEMO_USERNAME, User.email == DEMO_EMAIL)))


def has_scenes() -> bool:
    return bool(db.session.scalar(select(func.count(Scene.id))))


def seed_demo() -> list[Scene] | None:
    """Create the demo account and start every demo scene; None (and nothing done) when the account exists.

    Only queues work: a running worker renders the segments and writes the continuations.
    Raises DemoRefused unless segments render with the local provider (a paid API would bill for the demo).
    """
    if demo_user() is not None:
        return None
    if current_app.config["VIDEO_PROVIDER"] != "local":
        raise DemoRefused(f"The demo renders with the local provider only, and VIDEO_PROVIDER is "
                          f"{current_app.config['VIDEO_PROVIDER']!r}; no demo content added.")
    seed_topics()
    user = User(email=DEMO_EMAIL, username=DEMO_USERNAME, role=Role.USER.value)
    user.set_password(secrets.token_urlsafe(32))  # nobody signs in as the demo account
    db.session.add(user)
    db.session.commit()
    started = []
    with quotas_waived():
        for plan in DEMO_SCENES:
            declared = [{"kind": "style", "name": plan.style}] if plan.style else []
            started.append(create_scene(user, title=plan.title, topic_slug=plan.topic, prompt=plan.prompts[0],
                                        declared=declared).scene)
    for plan, scene in zip(DEMO_SCENES, started, strict=True):
        _enqueue_advance(scene.id, plan.key)
    return started


def demo_segment_count() -> int:
    """How many segments the demo renders in all (forks share the segments before their fork point)."""
    return sum(len(plan.prompts) + (len(plan.fork.prompts) if plan.fork else 0) for plan in DEMO_SCENES)


def advance_demo_scene(scene_id: int, branch: str, checks: int = 0) -> str:
    """Take a demo scene one step further once its newest segment is ready; returns what happened.

    ``branch`` is a demo scene's key, or ``"<key>/fork"`` for the branch forked off it.
    """
    prompts, offset, fork = _branch(branch)
    scene = db.session.get(Scene, scene_id)
    latest = db.session.scalar(
        select(Segment).where(Segment.scene_id == scene_id).order_by(Segment.position.desc()).limit(1)
    )
    if scene is None or latest is None or latest.author_id != scene.owner_id:
        return "left alone"  # someone else has taken the story on; the demo stops writing it
    if latest.status == SegmentStatus.FAILED:
        log.warning("demo scene %s stopped: segment %s failed", scene_id, latest.id)
        return "stopped"
    if not latest.is_ready:
        if checks >= MAX_CHECKS:
            return "gave up"
        _enqueue_advance(scene_id, branch, checks + 1, delay=RECHECK_SECONDS)
        return "waiting"
    with quotas_waived():
        if fork is not None and latest.position == fork.at and not _forked_at(latest, scene.owner_id):
            branch_scene = fork_at(scene, latest, scene.owner, fork.title)
            continue_scene(branch_scene, scene.owner, fork.prompts[0], branch_scene.head_segment_id)
            _enqueue_advance(branch_scene.id, f"{branch}/fork")
        index = latest.position - offset
        if index >= len(prompts):
            return "finished"
        try:
            continue_scene(scene, scene.owner, prompts[index], latest.id)
        except SceneMoved:
            return "left alone"
    _enqueue_advance(scene_id, branch)
    return "continued"


def _branch(branch: str) -> tuple[tuple[str, ...], int, DemoFork | None]:
    """The prompts of a branch, the position its own segments start after, and the fork it spawns."""
    key, _, part = branch.partition("/")
    plan = next(p for p in DEMO_SCENES if p.key == key)
    if part == "fork" and plan.fork is not None:
        return plan.fork.prompts, plan.fork.at, None
    return plan.prompts, 0, plan.fork


def _forked_at(segment: Segment, owner_id: int) -> bool:
    return db.session.scalar(
        select(Scene.id).where(Scene.forked_from_segment_id == segment.id, Scene.owner_id == owner_id)
    ) is not None


def _enqueue_advance(scene_id: int, branch: str, checks: int = 0, delay: int | None = None) -> None:
    options = {"args": (scene_id, branch, checks), "job_timeout": 300, "result_ttl": 600, "failure_ttl": 86400,
               "description": f"demo: advance scene {scene_id} ({branch})"}
    if delay:
        queue(ADVANCE_QUEUE).enqueue_in(timedelta(seconds=delay), ADVANCE_FUNC, **options)
    else:
        queue(ADVANCE_QUEUE).enqueue(ADVANCE_FUNC, **options)
