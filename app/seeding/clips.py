"""The few real clips a scale world plays: one short story rendered once through the generation pipeline.

Scale segments are metadata rows that point at these clips' stored media (its keys stay
under ``segments/<clip id>/`` of a public scene, so the media route serves them to anyone).
"""
from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.generation.pipeline import run_generation
from app.models import GenerationJob, JobStatus, Scene, Segment, SegmentStatus, Topic, User, Visibility
from app.models.paths import segment_path

MEDIA_SCENE_TITLE = "The Lamplighter's Round"
MEDIA_PROMPTS = (
    "Ada, in a green coat, lights the first lantern on the harbour wall at dusk.",
    "Ada climbs the clocktower stairs with her long brass pole.",
    "Ada's lantern swings over the sleeping market as the fog rolls in.",
    "Ada reaches the lighthouse and lights the great lamp.",
    "The harbour glows below as Ada watches the ferry come home.",
    "Ada walks home along the pier, her green coat wet with spray.",
)

#: what a scale segment copies from the clip it shares
SHARED_FIELDS = ("provider", "duration", "width", "height", "fps", "media_prefix", "video_key", "poster_key",
                 "thumb_key", "playlist_key", "hls", "continuity_score", "continuity")


class ClipsFailed(RuntimeError):
    """A clip could not be rendered; the message carries the pipeline's reason."""


def media_clips(owner: User, topic: Topic, count: int) -> list[Segment]:
    """The ready segments of the media scene, rendering the missing ones with the local provider."""
    count = max(1, min(count, len(MEDIA_PROMPTS)))
    scene = db.session.scalar(select(Scene).where(Scene.title == MEDIA_SCENE_TITLE, Scene.owner_id == owner.id))
    if scene is None:
        scene = Scene(title=MEDIA_SCENE_TITLE, topic_id=topic.id, owner_id=owner.id, visibility=Visibility.PUBLIC.value)
        db.session.add(scene)
        db.session.commit()
    clips = segment_path(scene.head_segment_id)
    while len(clips) < count:
        clips.append(_render(scene, clips[-1] if clips else None, owner, MEDIA_PROMPTS[len(clips)]))
    return clips


def shared_media(clip: Segment) -> dict:
    """The columns a scale segment takes from ``clip`` so that it plays the clip's video."""
    return {name: getattr(clip, name) for name in SHARED_FIELDS}


def _render(scene: Scene, parent: Segment | None, author: User, prompt: str) -> Segment:
    """One segment generated in this process by the real pipeline (no queue), with the local provider."""
    cfg = current_app.config
    segment = Segment(scene_id=scene.id, parent_id=parent.id if parent else None, position=parent.position + 1 if parent else 1,
                      author_id=author.id, prompt=prompt, provider="local", seed=secrets.randbelow(2**31),
                      width=cfg["VIDEO_WIDTH"], height=cfg["VIDEO_HEIGHT"], fps=cfg["VIDEO_FPS"],
                      duration=cfg["SEGMENT_SECONDS"], status=SegmentStatus.PENDING.value)
    db.session.add(segment)
    db.session.flush()
    job = GenerationJob(segment_id=segment.id, user_id=author.id, provider="local", artifacts={})
    db.session.add(job)
    db.session.commit()
    if run_generation(job.id) != JobStatus.SUCCEEDED:
        db.session.refresh(job)
        raise ClipsFailed(f"Rendering the shared clip {segment.position} failed: {job.error_message}")
    db.session.refresh(segment)
    return segment
