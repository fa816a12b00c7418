"""Read models for pages and the API: a scene with its segments, URLs and live job; the scene and Bible
pages assembled; a continuity check as the forms and the API show it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cached_property

from flask import current_app
from sqlalchemy import select

from app.continuity.injection import continuity_note
from app.continuity.store import bible_at, first_appearances, history, last_appearances, positions_on_path
from app.extensions import db
from app.models import DirectorsCut, GenerationJob, Scene, Segment
from app.models.paths import Step, path_steps, scene_segments, segments_in_full, unfinished_tail
from app.providers.factory import prompt_expander
from app.story import access, bible_edits, cuts, lineage, listings, playback
from app.story.media_links import media_urls


@dataclass
class SegmentView:
    segment: Segment
    job: GenerationJob | None
    video_url: str | None
    poster_url: str | None


class _Page:
    def context(self) -> dict:
        """The page's parts by name, as its template reads them, and the page itself (``page``) for what it
        reads only when it is rendered."""
        return {f.name: getattr(self, f.name) for f in fields(self)} | {"page": self}


@dataclass(frozen=True)
class ScenePage(_Page):
    scene: Scene
    #: the branch's ready path, root first, as plain values (what every segment is named by)
    steps: list[Step]
    #: the segment after the head being generated, or failed, in full
    unfinished: list[SegmentView]
    #: each ready step with its start and end time on the branch
    chapters: list[tuple[Step, float, float]]
    cut: DirectorsCut | None
    origin: lineage.Origin | None
    forks: lineage.Forks
    next_scene: Scene | None
    #: how many of the steps are ready
    ready: int = 0
    #: index of the first segment listed in full (``first_shown``)
    first_shown: int = 0

    @cached_property
    def listed(self) -> list[SegmentView]:
        """The ready segments listed in full (from ``first_shown``), read whole only when their cards are
        rendered: a signed-in page keeps them as a fragment (``app.scenes.fragments``)."""
        shown = segments_in_full([step.id for step in self.steps[self.first_shown:]])
        return segment_views(self.scene, shown, {})

    @property
    def head_ref(self) -> str:
        """The public id of the scene's head ("" before its first segment is ready)."""
        return self.steps[-1].public_id if self.steps else ""

    @property
    def changing(self) -> bool:
        """Whether the page shows progress that moves without a database change (a job, a cut being made)."""
        return work_in_progress(self.unfinished) or bool(self.cut and self.cut.active)

    @property
    def settled(self) -> bool:
        """Whether every segment is ready and clear: what the page shows then is the same for every member."""
        return not self.unfinished and all(step.is_public_now for step in self.steps)

    @property
    def continuity_average(self) -> float | None:
        """The branch's mean continuity score (None before any segment was scored)."""
        scores = [s.continuity_score for s in self._segments if s.continuity_score is not None]
        return sum(scores) / len(scores) if scores else None

    @property
    def corrected_count(self) -> int:
        """How many of the branch's segments had their colours corrected to match the scene."""
        return sum(1 for s in self._segments if s.continuity_score is not None and _corrected(s))

    @property
    def _segments(self) -> list:
        return [*self.steps, *(view.segment for view in self.unfinished)]


def _corrected(segment: Step | Segment) -> bool:
    if isinstance(segment, Step):
        return segment.corrected
    return bool(((segment.continuity or {}).get("after") or {}).get("corrected"))


@dataclass(frozen=True)
class BiblePage(_Page):
    scene: Scene
    entities: list
    can_edit: bool
    history: list
    undone: dict[int, int]
    undoable: set[int]
    stills: dict
    last_seen: dict
    number: dict


def scene_page(scene: Scene, viewer, all_segments: bool = False) -> ScenePage:
    """Everything the scene page shows ``viewer``: the branch, its chapters, the director's cut, where the
    scene came from, the forks listed for them and the scene offered next. A long branch lists its newest
    segments in full unless ``all_segments`` (the chapter list has every one)."""
    steps = path_steps(scene.head_segment_id)
    unfinished = views_with_jobs(scene, unfinished_tail(scene, steps[-1].position if steps else None))
    ready = sum(1 for step in steps if step.is_ready)
    return ScenePage(scene, steps, unfinished, playback.chapters(steps), cuts.cut_for(scene),
                     lineage.origin_of(scene), lineage.forks_of(scene, viewer), listings.up_next(scene),
                     ready, first_shown(ready, all_segments))


#: a long branch's page lists its newest segments in full (its chapter list names every one) …
SEGMENTS_SHOWN = 30
#: … once it has more than this many ready segments
SEGMENTS_WINDOWED_AFTER = 40


def first_shown(ready: int, all_segments: bool = False) -> int:
    """The index of the first of ``ready`` segments a scene page lists in full."""
    return 0 if all_segments or ready <= SEGMENTS_WINDOWED_AFTER else ready - SEGMENTS_SHOWN


def all_segments_param(value: str | None) -> bool:
    """The scene page's ``segments`` parameter: ``all`` lists every segment in full."""
    return value == "all"


def listed_in_full(segment: Segment, scene: Scene) -> bool:
    """Whether ``scene``'s page lists ``segment`` in full without ``?segments=all`` (links to its card use it)."""
    return segment.position > first_shown(scene.segment_count)  # positions count from 1 along the path


def bible_page(scene: Scene, viewer) -> BiblePage:
    """The Scene Bible at the scene's head as its page shows ``viewer``: entities, the history of changes,
    and which of them ``viewer`` may undo (when they may correct it)."""
    head = scene.head_segment_id
    entities = sorted(bible_at(head).entities.values(), key=lambda e: (e.kind, e.id))
    changes = history(head)
    can_edit = access.can_edit(scene, viewer)
    return BiblePage(scene, entities, can_edit, changes, bible_edits.undos(changes),
                     bible_edits.undoable(changes) if can_edit else set(), first_appearances(entities),
                     last_appearances(head), positions_on_path(head))


def check_json(result) -> dict:
    """A continuity check as the forms and API show it: errors, warnings, entities, injected, expanded prompt."""
    data = result.to_dict()
    expanded = prompt_expander(current_app.config).expand(result.prompt, {"injected": list(result.lines)})
    issues = data["errors"] + data["warnings"]
    cited = {i["since_segment"] for i in issues if i["since_segment"] is not None}
    rows = db.session.execute(select(Segment.id, Segment.public_id).where(Segment.id.in_(cited))) if cited else ()
    public_ids = {segment_id: public_id for segment_id, public_id in rows}
    for issue in issues:  # segments are named by public id in everything the API answers
        issue["since_segment"] = public_ids.get(issue["since_segment"])
    return {"ok": data["ok"], "errors": data["errors"], "warnings": data["warnings"],
            "entities": data["links"], "new_entities": data["new_entities"],
            "proposed_changes": data["proposed_changes"], "injected": data["injected"],
            "notes": [continuity_note(entry) for entry in result.injected],
            "expanded_prompt": expanded.expanded_prompt}


def scene_view(scene: Scene) -> list[SegmentView]:
    """The scene's segments in order, each with its media URLs and (when unfinished) its job."""
    return views_with_jobs(scene, scene_segments(scene))


def views_with_jobs(scene: Scene, segments: list[Segment]) -> list[SegmentView]:
    """``segments`` of ``scene`` as views, the unfinished ones with their generation job."""
    unfinished = [s.id for s in segments if not s.is_ready]
    jobs = {}
    if unfinished:
        rows = db.session.scalars(select(GenerationJob).where(GenerationJob.segment_id.in_(unfinished)))
        jobs = {job.segment_id: job for job in rows}
    return segment_views(scene, segments, jobs)


def segment_views(scene: Scene, segments: list[Segment], jobs: dict[int, GenerationJob]) -> list[SegmentView]:
    """``segments`` of ``scene`` with their media URLs and the jobs of those in ``jobs``."""
    url = media_urls(scene)
    return [
        SegmentView(s, jobs.get(s.id), url(s.video_key) if s.is_public_now else None, _poster_url(url, s))
        for s in segments
    ]


def _poster_url(url: Callable[[str | None], str | None], segment: Segment) -> str | None:
    """The segment's poster; a moderation slate's card when it is held, hidden or removed."""
    if not segment.is_ready:
        return None
    if segment.is_public_now:
        return url(segment.poster_key)
    from app.moderation.takedown import moderation_slate

    slate = moderation_slate(segment)
    return url(slate.poster_key) if slate else None


def segment_json(view: SegmentView, viewer) -> dict:
    """A segment as the API answers it to ``viewer`` (no prompt of one moderation took out of their view)."""
    s = view.segment
    shown = access.prompt_shown(s, viewer)
    return {
        "id": s.public_id,
        "position": s.position,
        "parent_id": s.parent.public_id if s.parent_id else None,
        "status": s.status,
        "prompt": s.prompt if shown else None,
        "expanded_prompt": s.expanded_prompt if shown else None,
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


def scene_json(scene: Scene, views: list[SegmentView] | None = None, viewer=None) -> dict:
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
        data["segments"] = [segment_json(v, viewer) for v in views]
    return data
