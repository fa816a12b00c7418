"""Scenes, segments and jobs over JSON: each view parses with its schema, calls one domain function, answers."""
from __future__ import annotations

import hashlib

from flask import current_app, g, jsonify, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from sqlalchemy import select

from app.api import bp
from app.api import schemas as s
from app.api.spec import answer, operation
from app.caching import reader_page, skip_page_cache
from app.continuity.bible import BibleError
from app.continuity.injection import continuity_note
from app.continuity.store import bible_at, check_continuation, correct_bible, entity_json
from app.errors import json_error
from app.extensions import db, limiter
from app.models import Segment
from app.models.paths import segment_path
from app.providers.factory import prompt_expander
from app.story import access, cuts, lineage, writing
from app.story.presenters import scene_json, scene_view, segment_json, work_in_progress
from app.story.prompts import clean_prompt

REFUSALS = (writing.StoryError, writing.PromptError, writing.GenerationRefused)
WRITES = {401: s.Error, 403: s.Error, 409: s.Error, 422: s.Error, 429: s.Error}


def _refusal(err: Exception):
    if isinstance(err, writing.GenerationRefused):
        response, status = json_error(429, err.message, "generation_limit")
        response.headers["Retry-After"] = str(err.retry_after)
        return response, status
    error = {"code": err.code, "message": err.message}
    if field := getattr(err, "field", None):
        error["field"] = field
    extra = {"check": preview_json(err.result)} if isinstance(err, writing.ContinuityRefused) else {}
    return jsonify(error=error, **extra), 422


def preview_json(result) -> dict:
    """The continuity check as the forms and API show it: errors, warnings, entities, injected, expanded prompt."""
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


def _started_json(started: writing.Started) -> dict:
    views = scene_view(started.scene)
    view = next(v for v in views if v.segment.id == started.segment.id)
    return {"scene": scene_json(started.scene), "segment": segment_json(view), "job": started.job.to_json()}


def _not_found(what: str = "scene"):
    return json_error(404, f"There is no {what} with that id.")


def _checker() -> str:
    """Whose continuity checks count together: the token's or the session's account, else the address."""
    if header := request.headers.get("Authorization"):
        return "token:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


#: each check may be a paid LLM call: one budget shared by both check endpoints
check_limit = limiter.shared_limit(lambda: current_app.config["CHECK_LIMIT"], scope="continuity-check",
                                   key_func=_checker)


@bp.post("/scenes")
@operation("Start a scene: its first segment starts generating", signed_in=True, body=s.NewScene,
           responses={202: s.Started, **WRITES}, tags=("scenes",))
def create_scene(body: s.NewScene):
    declared = [d.model_dump() for d in body.declare] if body.declare is not None else None
    try:
        started = writing.create_scene(g.api_user, title=body.title, topic_slug=body.topic, prompt=body.prompt,
                                       visibility=body.visibility, declared=declared)
    except REFUSALS as err:
        return _refusal(err)
    return answer(s.Started, _started_json(started), 202)


@bp.get("/scenes/<scene:scene_ref>")
@reader_page
@operation("A scene and its ordered segments, with media URLs", responses={200: s.SceneAnswer}, tags=("scenes",))
def get_scene(scene_ref: str):
    try:
        scene = access.visible_scene(scene_ref, g.api_user)
    except access.NotFound:
        return _not_found()
    views = scene_view(scene)
    if work_in_progress(views):
        skip_page_cache()  # the tail's job progress moves without a change the cache would notice
    return answer(s.SceneAnswer, {"scene": scene_json(scene, views)})


@bp.post("/scenes/<scene:scene_ref>/segments")
@operation("Continue a scene after the head you saw (409 scene_moved when it moved on)", signed_in=True,
           body=s.Continuation, responses={202: s.Continued, **WRITES}, tags=("scenes",))
def continue_scene(scene_ref: str, body: s.Continuation):
    try:
        scene = access.visible_scene(scene_ref, g.api_user)
        seen = access.seen_segment(body.after_segment_id, g.api_user)
        started = writing.continue_scene(scene, g.api_user, body.prompt, seen.id if seen else None)
    except access.NotFound:
        return _not_found()
    except writing.SceneMoved as moved:
        head = moved.scene.head
        return json_error(409, "This scene moved on: continue from the new end, or fork at the segment you saw.",
                          "scene_moved", head_segment_id=head.public_id if head else None)
    except REFUSALS as err:
        return _refusal(err)
    return answer(s.Continued, _started_json(started), 202)


@bp.get("/jobs/<job:job_ref>")
@operation("A generation job's status, stage, progress and error", responses={200: s.JobOut}, tags=("jobs",))
def get_job(job_ref: str):
    try:
        job = access.visible_job(job_ref, g.api_user)
    except access.NotFound:
        return _not_found("job")
    return answer(s.JobOut, job.to_json())


@bp.post("/segments/<segment:segment_ref>/retry")
@operation("Start a failed segment again from its last completed stage", signed_in=True,
           responses={202: s.JobAnswer, **WRITES}, tags=("segments",))
def retry_segment(segment_ref: str):
    try:
        segment = access.visible_segment(segment_ref, g.api_user)
        job = writing.retry_segment(segment, g.api_user)
    except access.NotFound:
        return _not_found("segment")
    except access.Forbidden:
        return json_error(403, "Only the segment's author or the scene's owner can retry it.")
    except REFUSALS as err:
        return _refusal(err)
    return answer(s.JobAnswer, {"job": job.to_json()}, 202)


@bp.delete("/segments/<segment:segment_ref>")
@operation("Discard a failed or unfinished segment, releasing its place", signed_in=True,
           responses={204: None, **WRITES}, tags=("segments",))
def discard_segment(segment_ref: str):
    try:
        segment = access.visible_segment(segment_ref, g.api_user)
        writing.discard_segment(segment, g.api_user)
    except access.NotFound:
        return _not_found("segment")
    except access.Forbidden:
        return json_error(403, "Only the segment's author or the scene's owner can discard it.")
    except REFUSALS as err:
        return _refusal(err)
    return "", 204


@bp.get("/scenes/<scene:scene_ref>/cut")
@operation("The director's cut's status", responses={200: s.CutOut}, tags=("scenes",))
def get_cut(scene_ref: str):
    try:
        scene = access.visible_scene(scene_ref, g.api_user)
    except access.NotFound:
        return _not_found()
    cut = cuts.cut_for(scene)
    if cut is None:
        return json_error(404, "This scene has no director's cut yet.")
    return answer(s.CutOut, cut.to_json())


@bp.post("/scenes/<scene:scene_ref>/check")
@check_limit
@operation("Check a continuation prompt against the Scene Bible without generating anything",
           body=s.PromptCheck, responses={200: s.CheckOut, 422: s.Error, 429: s.Error}, tags=("continuity",))
def check_scene_prompt(scene_ref: str, body: s.PromptCheck):
    try:
        scene = access.visible_scene(scene_ref, g.api_user)
        after = body.after_segment_id
        parent = access.visible_segment(after, g.api_user) if after is not None else scene.head
        text = clean_prompt(body.prompt)
    except access.NotFound:
        return json_error(404, "There is no such scene or segment.")
    except REFUSALS as err:
        return _refusal(err)
    return answer(s.CheckOut, preview_json(check_continuation(parent, text)))


@bp.post("/check")
@check_limit
@operation("Check a new scene's first prompt (against an empty Bible)", body=s.FirstPromptCheck,
           responses={200: s.CheckOut, 422: s.Error, 429: s.Error}, tags=("continuity",))
def check_first_prompt(body: s.FirstPromptCheck):
    try:
        text = clean_prompt(body.prompt)
    except REFUSALS as err:
        return _refusal(err)
    return answer(s.CheckOut, preview_json(check_continuation(None, text)))


@bp.get("/scenes/<scene:scene_ref>/bible")
@reader_page(params={"segment": str})  # only a segment that exists makes a 200 worth keeping
@operation("The Scene Bible at the scene's head, or at one of its segments", query=s.BibleQuery,
           responses={200: s.BibleOut}, tags=("continuity",))
def get_bible(scene_ref: str, query: s.BibleQuery):
    try:
        scene = access.visible_scene(scene_ref, g.api_user)
        at = access.visible_segment(query.segment, g.api_user) if query.segment is not None else scene.head
    except access.NotFound:
        return json_error(404, "There is no such scene or segment.")
    public_ids = {seg.id: seg.public_id for seg in (segment_path(at.id) if at else [])}
    entities = [entity_json(e, public_ids) for e in bible_at(at.id if at else None).entities.values()]
    return answer(s.BibleOut, {"segment_id": at.public_id if at else None, "entities": entities})


@bp.post("/scenes/<scene:scene_ref>/bible/changes")
@operation("Correct the Scene Bible (the scene's owner or a moderator), recorded at the head", signed_in=True,
           body=s.BibleChangeRequest, responses={201: s.ChangeAnswer, **WRITES}, tags=("continuity",))
def change_bible(scene_ref: str, body: s.BibleChangeRequest):
    try:
        scene = access.visible_scene(scene_ref, g.api_user)
    except access.NotFound:
        return _not_found()
    if not (g.api_user.id == scene.owner_id or g.api_user.is_moderator):
        return json_error(403, "Only the scene's owner or a moderator can correct its Bible.")
    try:
        change = correct_bible(scene, g.api_user, op=body.op, entity_id=body.entity_id, key=body.key,
                               value=body.value)
    except BibleError as err:
        return json_error(422, str(err), "invalid_change")
    return answer(s.ChangeAnswer, {"change": {
        "segment_id": db.session.get(Segment, change.segment_id).public_id, "entity_id": change.entity_id,
        "op": change.op, "key": change.key, "value": change.value, "author": change.author}}, 201)


@bp.patch("/scenes/<scene:scene_ref>")
@operation("Rename a scene or change its visibility (its owner only)", signed_in=True, body=s.SceneChange,
           responses={200: s.SceneAnswer, **WRITES}, tags=("scenes",))
def change_scene(scene_ref: str, body: s.SceneChange):
    try:
        scene = access.visible_scene(scene_ref, g.api_user)
        changed = writing.change_scene(scene, g.api_user, title=body.title, visibility=body.visibility)
    except access.NotFound:
        return _not_found()
    except access.Forbidden:
        return json_error(403, "Only the scene's owner can change it.")
    except writing.StoryError as err:
        return _refusal(err)
    return answer(s.SceneAnswer, {"scene": scene_json(changed)})


def _segment_on_path(scene, ref: s.Ref):
    """The segment ``ref`` names when the caller may see it and it is on ``scene``'s branch, else None."""
    try:
        segment = access.visible_segment(ref, g.api_user)
    except access.NotFound:
        return None
    return segment if segment.id in {seg.id for seg in segment_path(scene.head_segment_id)} else None


@bp.post("/scenes/<scene:scene_ref>/forks")
@operation("Fork the scene at one of its segments: a new scene of yours sharing the path", signed_in=True,
           body=s.ForkRequest, responses={201: s.SceneAnswer, **WRITES}, tags=("scenes",))
def fork_scene(scene_ref: str, body: s.ForkRequest):
    try:
        scene = access.visible_scene(scene_ref, g.api_user)
        segment = _segment_on_path(scene, body.segment_id)
        if segment is None:
            return json_error(404, "There is no such segment in this scene.")
        fork = writing.fork_at(scene, segment, g.api_user, body.title)
    except (access.NotFound, access.Forbidden):
        return _not_found()
    except writing.StoryError as err:
        return _refusal(err)
    return answer(s.SceneAnswer, {"scene": scene_json(fork)}, 201)


@bp.post("/scenes/<scene:scene_ref>/merge")
@operation("Fast-forward the scene to a fork of it (its owner only); 409 merge_refused says why not",
           signed_in=True, body=s.MergeRequest, responses={200: s.SceneAnswer, **WRITES}, tags=("scenes",))
def merge_scene(scene_ref: str, body: s.MergeRequest):
    try:
        parent = access.visible_scene(scene_ref, g.api_user)
        fork = access.visible_scene(body.fork_scene_id, g.api_user)
        merged = lineage.merge_fork(parent, fork, g.api_user)
    except access.NotFound:
        return json_error(404, "There is no such scene.")
    except access.Forbidden:
        return json_error(403, "Only the scene's owner can merge a fork into it.")
    except lineage.MergeRefused as err:
        return json_error(409, str(err), "merge_refused")
    except writing.StoryError as err:
        return _refusal(err)
    return answer(s.SceneAnswer, {"scene": scene_json(merged)})
