"""Scenes, segments and jobs over JSON."""
from __future__ import annotations

from flask import g, jsonify, request

from app.api import bp
from app.api.auth import api_login_required
from app.errors import json_error
from app.extensions import db
from app.models import GenerationJob
from app.story import access, cuts, writing
from app.story.views import scene_json, scene_view, segment_json


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
    return jsonify(error=error), status


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
                                       prompt=body.get("prompt", ""), visibility=body.get("visibility", "public"))
    except REFUSALS as err:
        return _refusal(err)
    return jsonify(_started_json(started)), 202


@bp.get("/scenes/<int:scene_id>")
def get_scene(scene_id: int):
    try:
        scene = access.visible_scene(scene_id, g.api_user)
    except access.NotFound:
        return json_error(404, "There is no scene with that id.")
    return jsonify(scene=scene_json(scene, scene_view(scene)))


@bp.post("/scenes/<int:scene_id>/segments")
@api_login_required
def continue_scene(scene_id: int):
    try:
        scene = access.visible_scene(scene_id, g.api_user)
        body = _body()
        started = writing.continue_scene(scene, g.api_user, body.get("prompt", ""), body.get("after_segment_id"))
    except access.NotFound:
        return json_error(404, "There is no scene with that id.")
    except writing.SceneMoved as moved:
        return json_error(409, "This scene moved on: continue from the new end, or fork at the segment you saw.",
                          "scene_moved", head_segment_id=moved.head_segment_id)
    except REFUSALS as err:
        return _refusal(err)
    body = _started_json(started)
    return jsonify(segment=body["segment"], job=body["job"]), 202


@bp.get("/jobs/<int:job_id>")
def get_job(job_id: int):
    job = db.session.get(GenerationJob, job_id)
    if job is None or not job.segment.scene.viewable_by(g.api_user):
        return json_error(404, "There is no job with that id.")
    return jsonify(job.to_json())


@bp.post("/segments/<int:segment_id>/retry")
@api_login_required
def retry_segment(segment_id: int):
    try:
        segment = access.visible_segment(segment_id, g.api_user)
        job = writing.retry_segment(segment, g.api_user)
    except access.NotFound:
        return json_error(404, "There is no segment with that id.")
    except access.Forbidden:
        return json_error(403, "Only the segment's author or the scene's owner can retry it.")
    except REFUSALS as err:
        return _refusal(err)
    return jsonify(job=job.to_json()), 202


@bp.delete("/segments/<int:segment_id>")
@api_login_required
def discard_segment(segment_id: int):
    try:
        segment = access.visible_segment(segment_id, g.api_user)
        writing.discard_segment(segment, g.api_user)
    except access.NotFound:
        return json_error(404, "There is no segment with that id.")
    except access.Forbidden:
        return json_error(403, "Only the segment's author or the scene's owner can discard it.")
    except REFUSALS as err:
        return _refusal(err)
    return "", 204


@bp.get("/scenes/<int:scene_id>/cut")
def get_cut(scene_id: int):
    try:
        scene = access.visible_scene(scene_id, g.api_user)
    except access.NotFound:
        return json_error(404, "There is no scene with that id.")
    cut = cuts.cut_for(scene)
    if cut is None:
        return json_error(404, "This scene has no director's cut yet.")
    return jsonify(cut.to_json())
