"""Designed error pages for people, JSON errors for the API.

The domain's refusals become HTTP answers here, once for every view: not found 404, forbidden 403, a story,
prompt or Bible refusal 422, a refused merge and a scene that moved on 409, generation refused 429 with
``Retry-After``. Views only catch one when they keep a form on the page with the reason beside it.
"""
from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from app.continuity.bible import BibleError
from app.generation.submit import GenerationRefused
from app.story.access import Forbidden, NotFound
from app.story.cuts import CutUnavailable
from app.story.lineage import MergeRefused
from app.story.presenters import check_json
from app.story.prompts import PromptError
from app.story.writing import ContinuityRefused, SceneMoved, StoryError

SCENE_MOVED = "This scene moved on: continue from the new end, or fork at the segment you saw."

MESSAGES = {
    400: ("Something in that request was off", "The request could not be understood. Go back, check the form and try again."),
    401: ("Please sign in", "You need to sign in to do that."),
    403: ("Not allowed", "You don't have permission to do that. If you think you should, contact the scene's owner."),
    404: ("We couldn't find that", "The page or scene doesn't exist, or it is private. Check the address, or browse the topics."),
    405: ("Not allowed", "That action isn't available here."),
    409: ("That changed while you were looking", "Someone else changed this first. Reload the page and try again."),
    413: ("That's too big", "What you sent is larger than we accept. Send something smaller."),
    422: ("Please check your input", "Some of what you sent isn't valid."),
    429: ("Slow down a little", "You've made too many requests. Wait a moment and try again."),
    500: ("Something broke on our side", "We've logged the problem. Try again in a moment."),
    503: ("Back soon", "StoryForge is temporarily unavailable. Try again in a moment."),
}

API_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 422: "invalid", 429: "rate_limited", 500: "server_error", 503: "unavailable",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"
    )


def json_error(status: int, message: str, code: str | None = None, **extra):
    body = {"error": {"code": code or API_CODES.get(status, "error"), "message": message}}
    body.update(extra)
    return jsonify(body), status


def _render(status: int, detail: str | None = None):
    title, default = MESSAGES.get(status, MESSAGES[500])
    message = detail or default
    if status == 404 and request.url_rule is None and request.path.startswith("/api/"):
        message = "There is no such API endpoint. The endpoints are listed at /api/docs."
    if wants_json():
        return json_error(status, message)
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError):
        return _render(400, "Your form's security token was missing or expired. Reload the page and submit again.")

    @app.errorhandler(SecurityError)
    def untrusted_host(err: SecurityError):
        # no page: with an untrusted Host no URL can be built, and nothing should name that host
        return Response("This site is not served under that host name.\n", 400, mimetype="text/plain")

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        if err.response is not None:  # the view made its own answer (e.g. a form kept on a rate limit)
            return err.response
        status = err.code or 500
        if status == 429:
            return _render(429, f"You've made too many requests ({err.description}). Wait a little and try again.")
        detail = err.description if status in (400, 403, 409, 422) and _is_custom(err) else None
        return _render(status, detail)

    for refusal, answer in DOMAIN_ANSWERS.items():
        app.register_error_handler(refusal, answer)

    @app.errorhandler(Exception)
    def unhandled(err: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500)


def _is_custom(err: HTTPException) -> bool:
    """True when the description was written for the user (not werkzeug's default text)."""
    return err.description != type(err).description


def _not_found(err: NotFound):
    return json_error(404, err.message or MESSAGES[404][1]) if wants_json() else _render(404)


def _forbidden(err: Forbidden):
    return json_error(403, err.message) if wants_json() else _render(403)


def _refused(err: StoryError | PromptError):
    """422 naming what to fix: the form field, and for a continuity refusal the check that refused it."""
    if not wants_json():
        return _render(422, err.message)
    error = {"code": err.code, "message": err.message}
    if field := getattr(err, "field", None):
        error["field"] = field
    extra = {"check": check_json(err.result)} if isinstance(err, ContinuityRefused) else {}
    return jsonify(error=error, **extra), 422


def _bible_refused(err: BibleError):
    return json_error(422, str(err), "invalid_change") if wants_json() else _render(422, str(err))


def _cut_unavailable(err: CutUnavailable):
    return json_error(422, str(err), "cut_unavailable") if wants_json() else _render(422, str(err))


def _generation_refused(err: GenerationRefused):
    body, status = json_error(429, err.message, "generation_limit") if wants_json() else _render(429, err.message)
    return body, status, {"Retry-After": str(err.retry_after)}


def _scene_moved(err: SceneMoved):
    if not wants_json():
        return _render(409, SCENE_MOVED)
    head = err.scene.head
    return json_error(409, SCENE_MOVED, "scene_moved", head_segment_id=head.public_id if head else None)


def _merge_refused(err: MergeRefused):
    return json_error(409, str(err), "merge_refused") if wants_json() else _render(409, str(err))


DOMAIN_ANSWERS = {
    NotFound: _not_found, Forbidden: _forbidden, StoryError: _refused, PromptError: _refused,
    BibleError: _bible_refused, CutUnavailable: _cut_unavailable, GenerationRefused: _generation_refused,
    SceneMoved: _scene_moved, MergeRefused: _merge_refused,
}
