"""Director's cuts: a scene stitched with moviepy into a titled MP4, made on the media queue."""
from __future__ import annotations

import secrets
import shutil
from pathlib import Path

from flask import current_app
from sqlalchemy import bindparam, select

from app.extensions import db, queue, storage
from app.media.directors_cut import CutClip, CutPlan, make_directors_cut
from app.media.probe import probe
from app.models import DirectorsCut, JobStatus, Scene, User
from app.models.base import utcnow
from app.models.paths import segment_path


class CutUnavailable(ValueError):
    """The scene has nothing to cut yet."""


def cut_for(scene: Scene) -> DirectorsCut | None:
    return db.session.scalar(_CUT_OF_SCENE, {"scene_id": scene.id})


#: ``cut_for``'s statement, built once (every first view of a scene page reads it)
_CUT_OF_SCENE = select(DirectorsCut).where(DirectorsCut.scene_id == bindparam("scene_id"))


def request_cut(scene: Scene, user: User) -> DirectorsCut:
    """Queue a cut of the scene at its current head; reuses a finished or running cut of the same head."""
    if scene.head_segment_id is None:
        raise CutUnavailable("This scene has no finished segment yet.")
    cut = cut_for(scene)
    if cut is not None and cut.head_segment_id == scene.head_segment_id and cut.status != JobStatus.FAILED:
        return cut
    if cut is not None and cut.active:
        return cut  # one cut at a time per scene; the newer head is cut next time
    cut = cut or DirectorsCut(scene_id=scene.id)
    cut.head_segment_id = scene.head_segment_id
    cut.requested_by_id = user.id
    cut.status, cut.progress, cut.message = JobStatus.QUEUED.value, 0, "Waiting for a worker"
    cut.error_message = cut.finished_at = None
    cut.rq_job_id = f"cut-{scene.id}-{secrets.token_hex(4)}"
    db.session.add(cut)
    db.session.commit()
    queue("media").enqueue_call("jobs.cuts.make_cut", args=(cut.id,), job_id=cut.rq_job_id,
                                timeout=current_app.config["JOB_TIMEOUT"], result_ttl=3600,
                                description=f"director's cut of scene {scene.id}")
    return cut


def plan_for(scene: Scene, head_segment_id: int, work: Path) -> CutPlan:
    segments = [s for s in segment_path(head_segment_id) if s.is_public_now]  # none moderation took out of view
    store = storage()
    contributors: list[str] = []
    characters: list[str] = []
    for s in segments:
        if s.author.username not in contributors:
            contributors.append(s.author.username)
        for character in (s.planned.bible or {}).get("characters", []):
            label = f"{character.get('id', '')} {character.get('name', '')}".strip()
            if character.get("name") and not any(c.endswith(f" {character['name']}") for c in characters):
                characters.append(label)
    clips = [CutClip(store.local_copy(s.video_key, work), s.author.username, s.prompt) for s in segments]
    cfg = current_app.config
    return CutPlan(title=scene.title, topic=scene.topic.name, clips=clips, contributors=contributors,
                   characters=characters[:6], width=cfg["VIDEO_WIDTH"], height=cfg["VIDEO_HEIGHT"], fps=cfg["VIDEO_FPS"])


def make_cut(cut_id: int) -> None:
    """Run a queued cut: stitch, store, record. Failures end the row with a readable reason."""
    cut = db.session.get(DirectorsCut, cut_id)
    if cut is None or not cut.active:
        return
    scene = db.session.get(Scene, cut.scene_id)
    work = Path(current_app.config["WORK_DIR"]) / f"cut-{cut.id}"
    work.mkdir(parents=True, exist_ok=True)
    cut.status, cut.message = JobStatus.RUNNING.value, "Preparing the cut"
    db.session.commit()

    def progress(fraction: float, text: str) -> None:
        cut.progress = max(cut.progress, int(fraction * 95))
        cut.message = text[:255]
        db.session.commit()

    try:
        plan = plan_for(scene, cut.head_segment_id, work)
        out = make_directors_cut(plan, work / "cut.mp4", on_progress=progress, preset=current_app.config["X264_PRESET"])
        key = f"cuts/{scene.public_id}/{cut.head.public_id}.mp4"  # public ids: nobody finds a cut by counting
        storage().put_file(key, out, "video/mp4")
        old = cut.video_key
        cut.video_key, cut.duration = key, round(probe(out).duration, 3)
        cut.status, cut.progress, cut.message = JobStatus.SUCCEEDED.value, 100, "Your director's cut is ready"
        if old and old != key:
            storage().delete(old)  # replaced only now that the new cut exists
    except Exception as err:  # noqa: BLE001 - any failure is shown on the scene page
        current_app.logger.exception("director's cut %s failed", cut.id)
        db.session.rollback()
        cut.status, cut.message = JobStatus.FAILED.value, "Failed"
        cut.error_message = f"The cut could not be made ({err}). Try again."
    cut.finished_at = utcnow()
    db.session.commit()
    shutil.rmtree(work, ignore_errors=True)
