"""API authentication: a Bearer personal token, or the browser session plus a CSRF header."""
from __future__ import annotations

from flask import g, request
from flask_login import current_user

from app.api import bp
from app.auth.accounts import user_for_api_token
from app.errors import json_error
from app.extensions import csrf

csrf.exempt(bp)  # checked below, only for session-authenticated requests


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@bp.before_request
def authenticate_request():
    """A Bearer token names the request's user here; a browser session's user is loaded when a view asks
    (``api_user``), so a read served from a kept shell never builds one (``app.pages``)."""
    g.pop("api_user", None)
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            return json_error(401, "Use 'Authorization: Bearer <token>' with a personal API token.")
        user = user_for_api_token(raw.strip())
        if user is None:
            return json_error(401, "That API token is not valid or has been revoked.")
        g.api_user = user
        return None
    if request.method not in SAFE_METHODS and current_user.is_authenticated:
        csrf.protect()
    return None


def api_user():
    """The user this API request acts for: its token's, else its browser session's, else None."""
    if "api_user" not in g:
        g.api_user = current_user._get_current_object() if current_user.is_authenticated else None
    return g.api_user
