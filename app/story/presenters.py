"""Read models for pages and the API: a scene with its segments, URLs and live job."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db, storage
from app.models import GenerationJob, Scene, Segment, Visibility
from app.models.paths import scene_segments


@dataclass
class SegmentView:
    segment: Segment
    job: GenerationJob | None
    video_url: str | None
    poster_url: str | None


def media_url(scene: Scene, key: str | None) -> str | None:
    """A URL for the media under ``key`` as shown on ``scene``: signed unless the scene is public."""
    if not key:
        return None
    return storage().url(key, private=signs_media(scene))


def signs_media(scene: Scene) -> bool:
    """Whether the scene's media URLs are signed: only public scenes' media is served to anyone who asks
    (``access.media_visible``)."""
    return scene.visibility != Visibility.PUBLIC


def scene_view(scene: Scene) -> list[SegmentView]:
    """The scene's segments in order, each with its media URLs and (when unfinished) its job."""
    segments = scene_segments(scene)
    unfinished = [s.id for s in segments if not s.is_ready]
    jobs = {}
    if unfinished:
        rows = db.session.scalars(select(GenerationJob).where(GenerationJob.segment_id.in_(unfinished)))
        jobs = {job.segment_id: job for job in rows}
    return [
        SegmentView(s, jobs.get(s.id), media_url(scene, s.video_key) if s.is_public_now else None,
                    _poster_url(scene, s))
        for s in segments
    ]


def _poster_url(scene: Scene, segment: Segment) -> str | None:
    """The segment's poster; a moderation slate's card when it is held, hidden or removed."""
    if not segment.is_ready:
        return None
    if segment.is_public_now:
        return media_url(scene, segment.poster_key)
    from app.moderation.takedown import moderation_slate

    slate = moderation_slate(segment)
    return media_url(scene, slate.poster_key) if slate else None


def segment_json(view: SegmentView) -> dict:
    s = view.segment
    return {
        "id": s.public_id,
        "position": s.position,
        "parent_id": s.parent.public_id if s.parent_id else None,
        "status": s.status,
        "prompt": s.prompt,
        "expanded_prompt": s.expanded_prompt,
        "author": {"id": s.author.id, "username": s.author.username},
        "duration": s.duration,
        "width": s.width,
        "height": s.height,
        "provider": s.provider,
        "media": {"video": view.video_url, "poster": view.poster_url},
        "continuity_score": s.continuity_score,
        "continuity": (s.continuity or {}).get("after"),
        "job": view.job.to_json() if view.job else None,
        "created_at": s.created_at.isoformat(),
    }


def work_in_progress(views: list[SegmentView]) -> bool:
    """Whether the branch ends in a segment still generating (or failed): its page changes as the job moves."""
    return bool(views) and not views[-1].segment.is_ready


def scene_json(scene: Scene, views: list[SegmentView] | None = None) -> dict:
    data = {
        "id": scene.public_id,
        "title": scene.title,
        "topic": scene.topic.slug,
        "owner": {"id": scene.owner.id, "username": scene.owner.username},
        "visibility": scene.visibility,
        "head_segment_id": scene.head.public_id if scene.head_segment_id else None,
        "forked_from_segment_id": scene.forked_from.public_id if scene.forked_from_segment_id else None,
        "segment_count": scene.segment_count,
        "duration": scene.total_duration,
        "created_at": scene.created_at.isoformat(),
        "updated_at": scene.updated_at.isoformat(),
    }
    if views is not None:
        data["segments"] = [segment_json(v) for v in views]
    return data
