"""Writing stories: start a scene, continue it, fork it, retry or discard a failed segment."""
from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.continuity.bible import BibleError
from app.continuity.declare import declared_changes
from app.continuity.store import check_continuation
from app.extensions import db
from app.generation.submit import (
    GenerationRefused,
    cancel_generation,
    check_generation_allowed,
    start_generation,
    stop_provider_task,
)
from app.models import GenerationJob, JobStatus, Scene, Segment, SegmentStatus, Topic, User, Visibility
from app.models.paths import segment_path
from app.models.plan import SegmentPlan
from app.story import access
from app.story.access import Forbidden, NotFound
from app.story.prompts import PromptError, clean_prompt
from app.text import TextRefused, clean_text

__all__ = [
    "ContinuityRefused", "GenerationRefused", "PromptError", "SceneMoved", "Started", "StoryError",
    "change_scene", "continue_scene", "create_scene", "discard_segment", "fork_at", "retry_segment",
]


class StoryError(ValueError):
    """Input that can't be used, with a message for the writer; ``field`` names the form field."""

    def __init__(self, message: str, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class ContinuityRefused(StoryError):
    """The prompt contradicts the Scene Bible; ``result`` says how (entity, fact, segment)."""

    def __init__(self, result):
        super().__init__(" ".join(issue.message for issue in result.errors), "prompt", "continuity")
        self.result = result


class SceneMoved(Exception):
    """Someone else continued the scene first."""

    def __init__(self, scene: Scene, seen_segment_id: int | None):
        super().__init__(f"scene {scene.id} moved on")
        self.scene = scene
        self.seen_segment_id = seen_segment_id
        self.head_segment_id = scene.head_segment_id


@dataclass(frozen=True)
class Started:
    scene: Scene
    segment: Segment
    job: GenerationJob


def create_scene(owner: User, *, title: str, topic_slug: str, prompt: str, visibility: str = "public",
                 declared: list[dict] | None = None) -> Started:
    """A new scene whose first segment starts generating; ``declared`` entities start its Bible
    (``[{"kind": "character", "name": "Mara", "attributes": {"coat": "red"}}]``)."""
    title = _clean_title(title)
    _check_visibility(visibility)
    topic = db.session.scalar(select(Topic).where(Topic.slug == topic_slug, Topic.archived_at.is_(None)))
    if topic is None:
        raise StoryError("Choose one of the topics.", "topic")
    text = _checked_prompt(prompt, owner)
    try:
        changes = declared_changes(_clean_declared(declared or []))
    except (BibleError, TextRefused) as err:
        raise StoryError(str(err), "characters", "invalid_declaration") from err
    _check_continuity(None, text, changes)
    check_generation_allowed(owner)
    scene = Scene(title=title, topic=topic, owner=owner, visibility=visibility)
    db.session.add(scene)
    segment = _new_segment(scene, parent=None, position=1, author=owner, prompt=text)
    if changes:
        segment.plan = SegmentPlan(declared=[asdict(c) for c in changes]).to_json()
    db.session.flush()
    return Started(scene, segment, start_generation(segment))


def continue_scene(scene: Scene, author: User, prompt: str, after_segment_id: int | None) -> Started:
    """Claim the next position after ``after_segment_id`` and start generating it.

    Raises SceneMoved when the head is no longer the segment the writer saw, or when
    someone else's segment already holds the next position (the unique constraint decides).
    """
    text = _checked_prompt(prompt, author)
    if after_segment_id != scene.head_segment_id:
        raise SceneMoved(scene, after_segment_id)
    parent = db.session.get(Segment, scene.head_segment_id) if scene.head_segment_id else None
    _check_continuity(parent, text)
    check_generation_allowed(author)
    position = parent.position + 1 if parent else 1
    segment = _new_segment(scene, parent=parent, position=position, author=author, prompt=text)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        db.session.refresh(scene)
        raise SceneMoved(scene, after_segment_id) from None
    return Started(scene, segment, start_generation(segment))


def fork_at(scene: Scene, segment: Segment, user: User, title: str | None = None) -> Scene:
    """A new scene owned by ``user`` that shares the path up to ``segment`` (no media is copied).

    The segment must be on the scene's branch, and a private scene is forked only by its owner: to anyone
    else either answers NotFound, as a missing scene would.
    """
    if not access.plays(scene, segment):
        raise NotFound(f"segment {segment.id}", access.NOT_ON_BRANCH)
    if not segment.is_ready:
        raise StoryError("You can only fork at a finished segment.")
    if not access.can_fork(scene, user):
        raise NotFound(f"scene {scene.id}", "There is no scene with that id.")
    visibility = scene.visibility  # a fork of an unlisted scene is unlisted, of a private one private
    fork = Scene(
        title=_clean_title(title) if title else f"{scene.title} — fork"[:120],
        topic_id=scene.topic_id,
        owner=user,
        visibility=visibility,
        head_segment_id=segment.id,
        forked_from_segment_id=segment.id,
        segment_count=segment.position,
        total_duration=round(sum(s.duration or 0.0 for s in segment_path(segment.id)), 3),
    )
    db.session.add(fork)
    db.session.commit()
    return fork


def change_scene(scene: Scene, user: User, *, title: str | None = None, visibility: str | None = None) -> Scene:
    """Rename a scene or change who can see it (its owner only).

    Visibility follows the rule in ``app.story.access``: forks others already made keep playing what
    they share; nothing past their fork point becomes visible through them.
    """
    if not access.owns(scene, user):
        raise Forbidden("Only the scene's owner can change it.")
    if visibility is not None:
        _check_visibility(visibility)
        scene.visibility = visibility
    if title is not None:
        scene.title = _clean_title(title)
    db.session.commit()
    return scene


def retry_segment(segment: Segment, user: User) -> GenerationJob:
    """Start a failed segment's generation again, resuming after its last completed stage."""
    if not access.can_tend(segment, user):
        raise Forbidden("Only the segment's author or the scene's owner can retry it.")
    if segment.status != SegmentStatus.FAILED:
        raise StoryError("Only a failed segment can be retried.", code="not_failed")
    check_generation_allowed(user, retry=True)
    return start_generation(segment, retry=True)


def discard_segment(segment: Segment, user: User) -> None:
    """Delete a segment that is not finished, releasing its slot so the scene can go on.

    A generation in progress is cancelled first (its worker stops at its next checkpoint, its
    provider task is cancelled at once) and only then is the segment removed, with its job row.
    A segment that finished in the meantime is kept: StoryError ``ready``.
    """
    if not access.can_tend(segment, user):
        raise Forbidden("Only the segment's author or the scene's owner can discard it.")
    if segment.status == SegmentStatus.READY:
        raise StoryError("A finished segment can't be discarded.", code="ready")
    job = cancel_generation(segment)
    db.session.refresh(segment)
    if segment.status == SegmentStatus.READY or (job is not None and job.status == JobStatus.SUCCEEDED):
        db.session.rollback()
        raise StoryError("This segment has just finished, so it can't be discarded.", code="ready")
    provider, task_id = (job.provider, job.provider_task_id) if job is not None else (segment.provider, None)
    db.session.delete(segment)
    db.session.commit()
    stop_provider_task(provider, task_id)


def _checked_prompt(prompt, writer: User) -> str:
    """``clean_prompt``; a refusal also counts towards the abuse rule that watches for many of them."""
    try:
        return clean_prompt(prompt)
    except PromptError as err:
        if err.code == "prompt_refused":
            from app.moderation.abuse import prompt_refused

            prompt_refused(writer)
        raise


def _clean_title(title) -> str:
    try:
        title = clean_text(title, "title")
    except TextRefused as err:
        raise StoryError(err.message, "title", err.code) from None
    if not title:
        raise StoryError("Give your scene a title.", "title")
    if len(title) > 120:
        raise StoryError("Keep the title to 120 characters or fewer.", "title")
    return title


def _clean_declared(declared: list[dict]) -> list[dict]:
    """Declared entities with their names and attributes normalised like every other text (``app.text``)."""
    return [{**entry, "name": clean_text(entry.get("name"), "name"),
             "attributes": {clean_text(k, "attribute"): clean_text(v, "attribute value")
                            for k, v in (entry.get("attributes") or {}).items()}}
            for entry in declared]


def _check_visibility(visibility) -> None:
    if visibility not in {v.value for v in Visibility}:
        raise StoryError("Choose public, unlisted or private.", "visibility")


def _check_continuity(parent: Segment | None, text: str, declared: list = ()) -> None:
    result = check_continuation(parent, text, declared)
    if result.errors:
        raise ContinuityRefused(result)


def _new_segment(scene: Scene, *, parent: Segment | None, position: int, author: User, prompt: str) -> Segment:
    cfg = current_app.config
    segment = Segment(
        scene=scene,
        parent=parent,
        position=position,
        author=author,
        prompt=prompt,
        provider=cfg["VIDEO_PROVIDER"],
        seed=secrets.randbelow(2**31),
        width=cfg["VIDEO_WIDTH"],
        height=cfg["VIDEO_HEIGHT"],
        fps=cfg["VIDEO_FPS"],
        duration=cfg["SEGMENT_SECONDS"],
        status=SegmentStatus.PENDING.value,
    )
    db.session.add(segment)
    return segment
