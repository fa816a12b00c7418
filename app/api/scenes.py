"""Scenes over JSON: starting and continuing them, their Bible, director's cut, continuity checks, forks and
merges. Each view parses with its schema, calls one domain function and answers; the domain's refusals
become JSON errors in ``app.errors``."""
from __future__ import annotations

import hashlib

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from app import cache_versions as versions
from app.api import bp
from app.api import schemas as s
from app.api.auth import api_user
from app.api.spec import WRITES, answer, operation
from app.continuity.store import bible_at, check_continuation, entity_json
from app.errors import json_error
from app.extensions import db, limiter
from app.models import Segment, Visibility
from app.models.paths import segment_path
from app.pages import everyones_page, same_for_everyone
from app.story import access, bible_edits, cuts, lineage, writing
from app.story.presenters import check_json, scene_json, scene_view, segment_json
from app.story.prompts import clean_prompt


def _started_json(started: writing.Started) -> dict:
    views = scene_view(started.scene)
    view = next(v for v in views if v.segment.id == started.segment.id)
    return {"scene": scene_json(started.scene), "segment": segment_json(view, api_user()), "job": started.job.to_json()}


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
    started = writing.create_scene(api_user(), title=body.title, topic_slug=body.topic, prompt=body.prompt,
                                   visibility=body.visibility, declared=declared)
    return answer(s.Started, _started_json(started), 202)


@bp.get("/scenes/<scene:scene_ref>")
@everyones_page(scope=versions.scene_scope)
@operation("A scene and its ordered segments, with media URLs", responses={200: s.SceneAnswer}, tags=("scenes",))
def get_scene(scene_ref: str):
    scene = access.visible_scene(scene_ref, api_user())
    views = scene_view(scene)
    if scene.visibility != Visibility.PRIVATE and all(v.segment.is_public_now for v in views):
        same_for_everyone()  # every segment ready and clear: anyone who may see the scene reads this
    return answer(s.SceneAnswer, {"scene": scene_json(scene, views, api_user())})


@bp.post("/scenes/<scene:scene_ref>/segments")
@operation("Continue a scene after the head you saw (409 scene_moved when it moved on)", signed_in=True,
           body=s.Continuation, responses={202: s.Continued, **WRITES}, tags=("scenes",))
def continue_scene(scene_ref: str, body: s.Continuation):
    scene = access.visible_scene(scene_ref, api_user())
    seen = access.seen_segment(body.after_segment_id, api_user())
    started = writing.continue_scene(scene, api_user(), body.prompt, seen.id if seen else None)
    return answer(s.Continued, _started_json(started), 202)


@bp.get("/scenes/<scene:scene_ref>/cut")
@operation("The director's cut's status", responses={200: s.CutOut}, tags=("scenes",))
def get_cut(scene_ref: str):
    cut = cuts.cut_for(access.visible_scene(scene_ref, api_user()))
    if cut is None:
        return json_error(404, "This scene has no director's cut yet.")
    return answer(s.CutOut, cut.to_json())


@bp.post("/scenes/<scene:scene_ref>/check")
@check_limit
@operation("Check a continuation prompt against the Scene Bible without generating anything",
           body=s.PromptCheck, responses={200: s.CheckOut, 422: s.Error, 429: s.Error}, tags=("continuity",))
def check_scene_prompt(scene_ref: str, body: s.PromptCheck):
    scene = access.visible_scene(scene_ref, api_user())
    after = body.after_segment_id
    parent = access.visible_segment(after, api_user()) if after is not None else scene.head
    return answer(s.CheckOut, check_json(check_continuation(parent, clean_prompt(body.prompt))))


@bp.post("/check")
@check_limit
@operation("Check a new scene's first prompt (against an empty Bible)", body=s.FirstPromptCheck,
           responses={200: s.CheckOut, 422: s.Error, 429: s.Error}, tags=("continuity",))
def check_first_prompt(body: s.FirstPromptCheck):
    return answer(s.CheckOut, check_json(check_continuation(None, clean_prompt(body.prompt))))


@bp.get("/scenes/<scene:scene_ref>/bible")
@everyones_page(params={"segment": str}, scope=versions.scene_scope)  # only a segment that exists makes a 200 worth keeping
@operation("The Scene Bible at the scene's head, or at one of its segments", query=s.BibleQuery,
           responses={200: s.BibleOut}, tags=("continuity",))
def get_bible(scene_ref: str, query: s.BibleQuery):
    scene = access.visible_scene(scene_ref, api_user())
    at = access.visible_segment(query.segment, api_user()) if query.segment is not None else scene.head
    public_ids = {seg.id: seg.public_id for seg in (segment_path(at.id) if at else [])}
    entities = [entity_json(e, public_ids) for e in bible_at(at.id if at else None).entities.values()]
    if scene.visibility != Visibility.PRIVATE:
        same_for_everyone()
    return answer(s.BibleOut, {"segment_id": at.public_id if at else None, "entities": entities})


@bp.post("/scenes/<scene:scene_ref>/bible/changes")
@operation("Correct the Scene Bible (the scene's owner or a moderator), recorded at the head", signed_in=True,
           body=s.BibleChangeRequest, responses={201: s.ChangeAnswer, **WRITES}, tags=("continuity",))
def change_bible(scene_ref: str, body: s.BibleChangeRequest):
    scene = access.visible_scene(scene_ref, api_user())
    change = bible_edits.correct_bible(scene, api_user(), op=body.op, entity_id=body.entity_id, key=body.key,
                                       value=body.value)
    return answer(s.ChangeAnswer, {"change": {
        "segment_id": db.session.get(Segment, change.segment_id).public_id, "entity_id": change.entity_id,
        "op": change.op, "key": change.key, "value": change.value, "author": change.author}}, 201)


@bp.patch("/scenes/<scene:scene_ref>")
@operation("Rename a scene or change its visibility (its owner only)", signed_in=True, body=s.SceneChange,
           responses={200: s.SceneAnswer, **WRITES}, tags=("scenes",))
def change_scene(scene_ref: str, body: s.SceneChange):
    scene = access.visible_scene(scene_ref, api_user())
    changed = writing.change_scene(scene, api_user(), title=body.title, visibility=body.visibility)
    return answer(s.SceneAnswer, {"scene": scene_json(changed)})


@bp.post("/scenes/<scene:scene_ref>/forks")
@operation("Fork the scene at one of its segments: a new scene of yours sharing the path", signed_in=True,
           body=s.ForkRequest, responses={201: s.SceneAnswer, **WRITES}, tags=("scenes",))
def fork_scene(scene_ref: str, body: s.ForkRequest):
    scene = access.visible_scene(scene_ref, api_user())
    segment = access.fork_point(scene, body.segment_id, api_user())
    fork = writing.fork_at(scene, segment, api_user(), body.title)
    return answer(s.SceneAnswer, {"scene": scene_json(fork)}, 201)


@bp.post("/scenes/<scene:scene_ref>/merge")
@operation("Fast-forward the scene to a fork of it (its owner only); 409 merge_refused says why not",
           signed_in=True, body=s.MergeRequest, responses={200: s.SceneAnswer, **WRITES}, tags=("scenes",))
def merge_scene(scene_ref: str, body: s.MergeRequest):
    parent = access.visible_scene(scene_ref, api_user())
    merged = lineage.merge_fork(parent, access.visible_scene(body.fork_scene_id, api_user()), api_user())
    return answer(s.SceneAnswer, {"scene": scene_json(merged)})
