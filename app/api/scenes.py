"""Scenes, segments and jobs over JSON."""
from __future__ import annotations

from flask import current_app, g, jsonify, request
from sqlalchemy import select

from app.api import bp
from app.api.auth import api_login_required
from app.caching import reader_page, skip_page_cache
from app.continuity.bible import BibleError
from app.continuity.injection import continuity_note
from app.continuity.store import bible_at, check_continuation, correct_bible, entity_json
from app.errors import json_error
from app.extensions import db
from app.generation.services import prompt_expander
from app.models import Segment
from app.story import access, cuts, lineage, writing
from app.story.paths import segment_path
from app.story.prompts import clean_prompt
from app.story.views import scene_json, scene_view, segment_json, work_in_progress


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise writing.StoryError("Send a JSON object as the request body.", code="invalid_json")
    return data


def _refusal(err: Exception):
    if isinstance(err, writing.GenerationRefused):
        response, status = json_error(429, err.message, "generation_limit")
        response.headers["Retry-After"] = str(err.retry_after)
        return response, status
    status = 400 if err.code == "invalid_json" else 422
    error = {"code": err.code, "message": err.message}
    if field := getattr(err, "field", None):
        error["field"] = field
    extra = {"check": preview_json(err.result)} if isinstance(err, writing.ContinuityRefused) else {}
    return jsonify(error=error, **extra), status


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


REFUSALS = (writing.StoryError, writing.PromptError, writing.GenerationRefused)


def _started_json(started: writing.Started) -> dict:
    views = scene_view(started.scene)
    view = next(v for v in views if v.segment.id == started.segment.id)
    return {"scene": scene_json(started.scene), "segment": segment_json(view), "job": started.job.to_json()}


@bp.post("/scenes")
@api_login_required
def create_scene():
    try:
        body = _body()
        started = writing.create_scene(g.api_user, title=body.get("title", ""), topic_slug=body.get("topic", ""),
                                       prompt=body.get("prompt", ""), visibility=body.get("visibility", "public"),
                                       declared=body.get("declare") if isinstance(body.get("declare"), list) else None)
    except REFUSALS as err:
        return _refusal(err)
    return jsonify(_started_json(started)), 202


@bp.get("/scenes/<scene:scene_ref>")
@reader_page
def get_scene(scene_ref: str):
    try:
        scene = access.visible_scene(scene_ref, g.api_user)
    except access.NotFound:
        return json_error(404, "There is no scene with that id.")
    views = scene_view(scene)
    if work_in_progress(views):
        skip_page_cache()  # the tail's job progress moves without a change the cache would notice
    return jsonify(scene=scene_json(scene, views))


@bp.post("/scenes/<scene:scene_ref>/segments")
@api_login_required
def continue_scene(scene_ref: str):
    try:
        scene = access.visible_scene(scene_ref, g.api_user)
        body = _body()
        seen = access.seen_segment(body.get("after_segment_id"), g.api_user)
        started = writing.continue_scene(scene, g.api_user, body.get("prompt", ""), seen.id if seen else None)
    except access.NotFound:
        return json_error(404, "There is no scene with that id.")
    except writing.SceneMoved as moved:
        head = moved.scene.head
        return json_error(409, "This scene moved on: continue from the new end, or fork at the segment you saw.",
                          "scene_moved", head_segment_id=head.public_id if head else None)
    except REFUSALS as err:
        return _refusal(err)
    body = _started_json(started)
    return jsonify(segment=body["segment"], job=body["job"]), 202


@bp.get("/jobs/<job:job_ref>")
def get_job(job_ref: str):
    try:
        job = access.visible_job(job_ref, g.api_user)
    except access.NotFound:
        return json_error(404, "There is no job with that id.")
    return jsonify(job.to_json())


@bp.post("/segments/<segment:segment_ref>/retry")
@api_login_required
def retry_segment(segment_ref: str):
    try:
        segment = access.visible_segment(segment_ref, g.api_user)
        job = writing.retry_segment(segment, g.api_user)
    except access.NotFound:
        return json_error(404, "There is no segment with that id.")
    except access.Forbidden:
        return json_error(403, "Only the segment's author or the scene's owner can retry it.")
    except REFUSALS as err:
        return _refusal(err)
    return jsonify(job=job.to_json()), 202


@bp.delete("/segments/<segment:segment_ref>")
@api_login_required
def discard_segment(segment_ref: str):
    try:
        segment = access.visible_segment(segment_ref, g.api_user)
        writing.discard_segment(segment, g.api_user)
    except access.NotFound:
        return json_error(404, "There is no segment with that id.")
    except access.Forbidden:
        return json_error(403, "Only the segment's author or the scene's owner can discard it.")
    except REFUSALS as err:
        return _refusal(err)
    return "", 204


@bp.get("/scenes/<scene:scene_ref>/cut")
def get_cut(scene_ref: str):
    try:
        scene = access.visible_scene(scene_ref, g.api_user)
    except access.NotFound:
        return json_error(404, "There is no scene with that id.")
    cut = cuts.cut_for(scene)
    if cut is None:
        return json_error(404, "This scene has no director's cut yet.")
    return jsonify(cut.to_json())


@bp.post("/scenes/<scene:scene_ref>/check")
def check_scene_prompt(scene_ref: str):
    """Check a continuation prompt against the Bible without generating anything."""
    try:
        scene = access.visible_scene(scene_ref, g.api_user)
        body = _body()
        text = clean_prompt(body.get("prompt", ""))
        after = body.get("after_segment_id")
        parent = access.visible_segment(after, g.api_user) if after else scene.head
    except access.NotFound:
        return json_error(404, "There is no such scene or segment.")
    except REFUSALS as err:
        return _refusal(err)
    return jsonify(preview_json(check_continuation(parent, text)))


@bp.post("/check")
def check_first_prompt():
    """Check a new scene's first prompt (an empty Bible)."""
    try:
        text = clean_prompt(_body().get("prompt", ""))
    except REFUSALS as err:
        return _refusal(err)
    return jsonify(preview_json(check_continuation(None, text)))


@bp.get("/scenes/<scene:scene_ref>/bible")
@reader_page
def get_bible(scene_ref: str):
    """The Bible at the scene's head, or at ``?segment=<segment id>``."""
    try:
        scene = access.visible_scene(scene_ref, g.api_user)
        ref = request.args.get("segment")
        at = access.visible_segment(ref, g.api_user) if ref else scene.head
    except access.NotFound:
        return json_error(404, "There is no such scene or segment.")
    path = segment_path(at.id) if at else []
    public_ids = {s.id: s.public_id for s in path}
    entities = [entity_json(e, public_ids) for e in bible_at(at.id if at else None).entities.values()]
    return jsonify(segment_id=at.public_id if at else None, entities=entities)


@bp.post("/scenes/<scene:scene_ref>/bible/changes")
@api_login_required
def change_bible(scene_ref: str):
    """A correction by the scene's owner (or a moderator), recorded at the head."""
    try:
        scene = access.visible_scene(scene_ref, g.api_user)
        body = _body()
    except access.NotFound:
        return json_error(404, "There is no scene with that id.")
    except REFUSALS as err:
        return _refusal(err)
    if not (g.api_user.id == scene.owner_id or g.api_user.is_moderator):
        return json_error(403, "Only the scene's owner or a moderator can correct its Bible.")
    try:
        change = correct_bible(scene, g.api_user, op=str(body.get("op", "")), entity_id=body.get("entity_id"),
                               key=body.get("key"), value=body.get("value"))
    except BibleError as err:
        return json_error(422, str(err), "invalid_change")
    at = db.session.get(Segment, change.segment_id)
    return jsonify(change={"segment_id": at.public_id, "entity_id": change.entity_id, "op": change.op,
                           "key": change.key, "value": change.value, "author": change.author}), 201


@bp.patch("/scenes/<scene:scene_ref>")
@api_login_required
def change_scene(scene_ref: str):
    """Rename the scene or change its visibility (its owner only): ``{title?, visibility?}``."""
    try:
        scene = access.visible_scene(scene_ref, g.api_user)
        body = _body()
        changed = writing.change_scene(scene, g.api_user, title=body.get("title"), visibility=body.get("visibility"))
    except access.NotFound:
        return json_error(404, "There is no scene with that id.")
    except access.Forbidden:
        return json_error(403, "Only the scene's owner can change it.")
    except writing.StoryError as err:
        return _refusal(err)
    return jsonify(scene=scene_json(changed))


def _ref_field(body: dict, name: str) -> str:
    """The public id (or old numeric id) in ``body[name]``."""
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        raise writing.StoryError(f"Send {name} as the id from the scene's JSON.", name, "invalid_field")
    return str(value)


def _segment_on_path(scene, ref: str):
    """The segment ``ref`` names when the caller may see it and it is on ``scene``'s branch, else None."""
    try:
        segment = access.visible_segment(ref, g.api_user)
    except access.NotFound:
        return None
    return segment if segment.id in {s.id for s in segment_path(scene.head_segment_id)} else None


@bp.post("/scenes/<scene:scene_ref>/forks")
@api_login_required
def fork_scene(scene_ref: str):
    """Fork the scene at one of its segments: a new scene owned by the caller, sharing the path."""
    try:
        scene = access.visible_scene(scene_ref, g.api_user)
        body = _body()
        segment = _segment_on_path(scene, _ref_field(body, "segment_id"))
        if segment is None:
            return json_error(404, "There is no such segment in this scene.")
        fork = writing.fork_at(scene, segment, g.api_user, body.get("title"))
    except (access.NotFound, access.Forbidden):
        return json_error(404, "There is no scene with that id.")
    except writing.StoryError as err:
        return _refusal(err)
    return jsonify(scene=scene_json(fork)), 201


@bp.post("/scenes/<scene:scene_ref>/merge")
@api_login_required
def merge_scene(scene_ref: str):
    """Fast-forward the scene to a fork of it (its owner only)."""
    try:
        parent = access.visible_scene(scene_ref, g.api_user)
        fork = access.visible_scene(_ref_field(_body(), "fork_scene_id"), g.api_user)
        merged = lineage.merge_fork(parent, fork, g.api_user)
    except access.NotFound:
        return json_error(404, "There is no such scene.")
    except access.Forbidden:
        return json_error(403, "Only the scene's owner can merge a fork into it.")
    except lineage.MergeRefused as err:
        return json_error(409, str(err), "merge_refused")
    except writing.StoryError as err:
        return _refusal(err)
    return jsonify(scene=scene_json(merged))
