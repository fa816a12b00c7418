"""Scenes and segments as the team sees them: search, featuring, hiding, moving between topics, and
failed generations retried or discarded."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app import audit
from app.console import ConsoleError, require_reason
from app.extensions import db
from app.generation.submit import quotas_waived
from app.models import GenerationJob, Scene, Segment, SegmentStatus, Topic, User
from app.models.base import utcnow
from app.story import writing

PAGE_SIZE = 50
SCENE_STATES = ("featured", "hidden", "fork", "private", "unlisted", "public")
SEGMENT_STATES = tuple(s.value for s in SegmentStatus)


@dataclass(frozen=True)
class ContentQuery:
    text: str = ""
    writer: str = ""
    topic: str = ""
    state: str = ""


def _like(text: str) -> str:
    return f"%{text.strip().lower().replace('%', '').replace('_', '')}%"


def search_scenes(q: ContentQuery, page: int = 1):
    """Scenes whose title or segment prompts contain ``q.text``, by writer, topic slug and state (a Pagination)."""
    stmt = select(Scene).options(selectinload(Scene.owner), selectinload(Scene.topic)).order_by(Scene.id.desc())
    if q.text.strip():
        prompts = select(Segment.scene_id).where(func.lower(Segment.prompt).like(_like(q.text)))
        stmt = stmt.where(or_(func.lower(Scene.title).like(_like(q.text)), Scene.id.in_(prompts)))
    if q.writer.strip():
        stmt = stmt.where(Scene.owner.has(func.lower(User.username) == q.writer.strip().lower()))
    if q.topic.strip():
        stmt = stmt.where(Scene.topic.has(Topic.slug == q.topic.strip()))
    state = {"featured": Scene.featured_at.is_not(None), "hidden": Scene.hidden_at.is_not(None),
             "fork": Scene.forked_from_segment_id.is_not(None)}.get(q.state)
    if state is not None:
        stmt = stmt.where(state)
    elif q.state in ("private", "unlisted", "public"):
        stmt = stmt.where(Scene.visibility == q.state)
    return db.paginate(stmt, page=page, per_page=PAGE_SIZE, error_out=False)


def search_segments(q: ContentQuery, page: int = 1):
    """Segments whose prompt contains ``q.text``, by writer, topic slug and status (a Pagination)."""
    stmt = (select(Segment).options(selectinload(Segment.author), selectinload(Segment.scene))
            .order_by(Segment.id.desc()))
    if q.text.strip():
        stmt = stmt.where(func.lower(Segment.prompt).like(_like(q.text)))
    if q.writer.strip():
        stmt = stmt.where(Segment.author.has(func.lower(User.username) == q.writer.strip().lower()))
    if q.topic.strip():
        stmt = stmt.where(Segment.scene.has(Scene.topic.has(Topic.slug == q.topic.strip())))
    if q.state in SEGMENT_STATES:
        stmt = stmt.where(Segment.status == q.state)
    return db.paginate(stmt, page=page, per_page=PAGE_SIZE, error_out=False)


def segments_of(scene: Scene) -> list[tuple[Segment, GenerationJob | None]]:
    """The segments written in this scene (not those it shares from the scene it forked), with their jobs."""
    rows = db.session.execute(select(Segment, GenerationJob).outerjoin(GenerationJob, GenerationJob.segment_id == Segment.id)
                              .where(Segment.scene_id == scene.id).order_by(Segment.position)).all()
    return [(segment, job) for segment, job in rows]


def forks_playing(scene: Scene) -> int:
    """How many other scenes grow from this scene's segments (what hiding or removing it would touch)."""
    own = select(Segment.id).where(Segment.scene_id == scene.id)
    return db.session.scalar(select(func.count(Scene.id)).where(Scene.forked_from_segment_id.in_(own),
                                                                 Scene.id != scene.id)) or 0


def _flag(actor: User, scene: Scene, attribute: str, on: bool, action: str, reason: str) -> None:
    reason = require_reason(reason)
    if (getattr(scene, attribute) is not None) == on:
        raise ConsoleError(f"“{scene.title}” is already {'' if on else 'not '}{attribute.removesuffix('_at')}.")
    audit.record(actor, action, "scene", scene.public_id, reason, before={attribute.removesuffix("_at"): not on},
                 after={attribute.removesuffix("_at"): on})
    setattr(scene, attribute, utcnow() if on else None)
    db.session.commit()


def feature(actor: User, scene: Scene, reason: str) -> None:
    """Put the scene at the front of the home page (it must be public and have something to watch)."""
    if scene.hidden_at is not None or not scene.is_public or scene.head_segment_id is None:
        raise ConsoleError("Only a public, visible scene with a ready segment can be featured.")
    _flag(actor, scene, "featured_at", True, "scene.feature", reason)


def unfeature(actor: User, scene: Scene, reason: str) -> None:
    _flag(actor, scene, "featured_at", False, "scene.unfeature", reason)


def hide(actor: User, scene: Scene, reason: str) -> None:
    """Take the scene out of every listing (its link still opens it, and its forks keep playing)."""
    scene.featured_at = None
    _flag(actor, scene, "hidden_at", True, "scene.hide", reason)


def unhide(actor: User, scene: Scene, reason: str) -> None:
    _flag(actor, scene, "hidden_at", False, "scene.unhide", reason)


def change_topic(actor: User, scene: Scene, topic_slug: str, reason: str) -> None:
    reason = require_reason(reason)
    topic = db.session.scalar(select(Topic).where(Topic.slug == topic_slug))
    if topic is None:
        raise ConsoleError("Choose one of the topics.", "topic")
    if topic.id == scene.topic_id:
        raise ConsoleError(f"“{scene.title}” is already in {topic.name}.", "topic")
    audit.record(actor, "scene.topic", "scene", scene.public_id, reason, before={"topic": scene.topic.slug},
                 after={"topic": topic.slug})
    scene.topic = topic
    db.session.commit()


def retry_failed(actor: User, segment: Segment, reason: str) -> GenerationJob:
    """Start a failed segment's generation again (the writer's quota is not charged for it)."""
    reason = require_reason(reason)
    if segment.status != SegmentStatus.FAILED:
        raise ConsoleError("Only a failed segment can be retried.")
    audit.record(actor, "segment.retry", "segment", segment.public_id, reason)
    try:
        with quotas_waived():
            return writing.retry_segment(segment, actor)
    except writing.StoryError as err:
        db.session.rollback()
        raise ConsoleError(err.message) from None


def discard_failed(actor: User, segment: Segment, reason: str) -> None:
    """Remove a failed segment and its job, freeing its place so the scene can go on."""
    reason = require_reason(reason)
    if segment.status != SegmentStatus.FAILED:
        raise ConsoleError("Only a failed segment can be discarded from here.")
    audit.record(actor, "segment.discard", "segment", segment.public_id, reason,
                 before={"prompt": segment.prompt, "scene": segment.scene.public_id})
    db.session.flush()
    try:
        writing.discard_segment(segment, actor)
    except writing.StoryError as err:
        db.session.rollback()
        raise ConsoleError(err.message) from None


SCENE_ACTIONS = {"feature": feature, "unfeature": unfeature, "hide": hide, "unhide": unhide}
SEGMENT_ACTIONS = {"retry": retry_failed, "discard": discard_failed}
