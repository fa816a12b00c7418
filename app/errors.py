"""Designed error pages for people, JSON errors for the API."""
from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

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

    @app.errorhandler(Exception)
    def unhandled(err: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500)


def _is_custom(err: HTTPException) -> bool:
    """True when the description was written for the user (not werkzeug's default text)."""
    return err.description != type(err).description
