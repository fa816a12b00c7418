"""Kept pages: whole responses for signed-out readers, and shells that signed-in viewers share.

``@reader_page`` keeps a public GET view's 200 responses in Redis, keyed by the versions of what the page
shows (``app.cache_versions``), its path and the query parameters it declares, read the way the view
reads them (``/?junk=1`` is the same page as ``/``):

- **Signed-out readers** (no cookies, no CSRF token, no flash) get the whole kept response.
- **Signed-in viewers** get a *shell* when the page names them a class with ``viewers``: every viewer of
  one class sees the page alike but for their own bits — their name in the header, their CSRF token, a
  fork title naming them — which are rendered as markers (``viewer_name``, ``viewer_text``, the token) and
  put in for each viewer when the kept shell is served. A class is ``"member"`` (shared by everyone in
  it) or one viewer's own; None renders the page whole (moderators, who see what nobody else does). A
  visit whose session holds anything of the viewer's own (a flashed message, a refused prompt), or a view
  that calls ``personal_page()`` (a failed or withheld segment, which its writer sees differently), is
  rendered whole and not kept. A plain signed-in visit looks for its shell before Flask-Login loads anybody,
  in the Redis round trip that reads the viewer's kept row (``_claimed_shell``): a page served from a shell
  builds no ORM object and sends no SQL.

Every GET answers with an ETag (a 304 when the browser's copy is current); a signed-in viewer's ETag is
theirs alone (``_viewer_etag``). A copy or shell that is missing is built by one request at a time: the others
asking for it meanwhile wait for what that one keeps (``BoundedStore.claim_or_wait``), so a change to a busy
page costs one build, not one per request in flight.

``@everyones_page`` is for what has no viewer's bits at all (a public scene's playlist, its API reads): a
response the view marks ``same_for_everyone()`` is kept once for readers and signed-in people alike and
served before anybody is loaded, with the view's own ETag and cache policy.
"""
from __future__ import annotations

import hashlib
import hmac
import pickle
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Response, current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import escape
from redis.exceptions import RedisError

from app import cache_versions as versions
from app.caching import (
    CACHE_FORMAT,
    PAGE_STORE,
    SHELL_STORE,
    KeptViewer,
    cache_timeout,
    kept_viewer,
    session_user_id,
    viewer_rows,
)
from app.extensions import db, limiter
from app.observability import metrics

#: what a plain signed-in visit keeps in its session (Flask-Login's keys and the CSRF token); anything else is
#: the viewer's own (a flashed message, a refused prompt) and makes the page theirs alone
PLAIN_SESSION = frozenset({"_user_id", "_fresh", "_id", "_remember", "_remember_seconds", "_permanent", "csrf_token"})
#: ``viewers(session, user, scopes)``: the class of signed-in viewer who sees the page alike, or None
Viewers = Callable[[Any, Any, list[str]], "str | None"]
#: the class of viewers a shell is shared by (``own_class``: one viewer's own)
MEMBER = "member"
#: the most signed CSRF tokens a process remembers (then it starts afresh)
_SIGNED_TOKENS = 10_000


def own_class(user_id: int) -> str:
    """The class of the one viewer who sees a page as nobody else does (e.g. the owner of a scene in the story)."""
    return f"user:{user_id}"


@limiter.request_filter
def _reading_a_kept_page() -> bool:
    """A GET of a kept page carries no rate limit (none is declared on one): Flask-Limiter need not work
    out which limits apply."""
    view = current_app.view_functions.get(request.endpoint or "")
    return request.method in ("GET", "HEAD") and getattr(view, "kept_page", False)


def skip_page_cache() -> None:
    """Mark this response as not to be kept (e.g. it shows a generation in progress)."""
    g.skip_page_cache = True


def same_for_everyone() -> None:
    """Mark this response as what everyone who may see it sees (``@everyones_page`` keeps it for all): nothing of
    the viewer's in it and nothing only some may see (a private scene, a withheld segment)."""
    g.same_for_everyone = True


def personal_page() -> None:
    """Mark this response as the signed-in viewer's alone: not kept as a shell (readers' copies still are)."""
    g.personal_page = True


#: each kind of marker's prefix, by where it stands: in a shell (a viewer's bits) or in a kept fragment
_MARKER_PREFIXES = {"viewer": "sv-", "fragment": "sf-"}


def marker(name: str, space: str = "viewer") -> str:
    """A stand-in for one of the viewer's bits in kept HTML (``space`` "viewer" in a shell, "fragment" in a kept
    fragment), worked out once per app: for the bits every page has (the name, the token, a fragment's parts)."""
    made = current_app.extensions.setdefault("sf_markers", {})
    if (space, name) not in made:
        made[space, name] = _derived_marker(name, space)
    return made[space, name]


def _derived_marker(name: str, space: str = "viewer") -> str:
    """``marker(name, space)`` worked out each time, for names that carry data (a scene's title): derived from
    the secret key, so no prompt can spell one."""
    secret = current_app.config["SECRET_KEY"].encode()
    return _MARKER_PREFIXES[space] + hmac.new(secret, f"{space}:{name}".encode(), hashlib.sha256).hexdigest()[:32]


def viewer_name() -> str:
    """The signed-in viewer's username (a marker while a shell is rendered)."""
    return marker("name") if g.get("rendering_shell") else current_user.username


def viewer_text(before: str, after: str, limit: int) -> str:
    """``before + username + after`` cut to ``limit`` characters, e.g. a fork's suggested title (a marker
    while a shell is rendered, worked out again for each viewer)."""
    if not g.get("rendering_shell"):
        return (before + current_user.username + after)[:limit]
    slot = _derived_marker(f"text:{before}|{after}|{limit}")  # its name holds a title: not kept per app
    g.shell_slots[slot] = (before, after, limit)
    return slot


def _for_readers() -> bool:
    return (current_app.config["PAGE_CACHE_SECONDS"] > 0 and not current_user.is_authenticated
            and "Authorization" not in request.headers and not session.get("_flashes"))


def _for_viewer() -> bool:
    """A signed-in person on the site (not a token): their page's ETag is worked out before it is rendered."""
    return current_user.is_authenticated and "Authorization" not in request.headers


def _address(params: Mapping[str, Callable[[str | None], Any]]) -> str:
    """The path and each declared parameter as the view reads it (absent or malformed: None)."""
    read = "&".join(f"{name}={parse(request.args.get(name))}" for name, parse in sorted(params.items()))
    return f"{request.path}?{read}"


def _viewer_etag(key: str) -> str:
    """The page's versions and address, and everything of the viewer's a page can show: who they are, their
    role and their session (CSRF token, flashed messages, a refused prompt waiting for them)."""
    viewer = (current_user.id, current_user.username, current_user.is_moderator, sorted(session.items()))
    return hashlib.sha1(f"{key}|{viewer!r}".encode()).hexdigest()  # noqa: S324 - a fingerprint, not a secret


def _conditional(response: Response, etag: str | None = None) -> Response:
    """``response`` with its ETag (the body's hash unless given), answered 304 when the browser has it."""
    if etag:
        response.set_etag(etag, weak=True)
    else:
        response.add_etag()
    response.headers.setdefault("Cache-Control", "private, no-cache" if _for_viewer() else "no-cache")
    return response.make_conditional(request)


def _keeps(response: Response) -> bool:
    return (response.status_code == 200 and not response.direct_passthrough and not g.get("skip_page_cache")
            and not session.modified and "Set-Cookie" not in response.headers)


def _scope_of(scope: Callable[..., list[str] | None] | None, kwargs: dict) -> list[str] | None:
    return scope(db.session, **kwargs) if scope else [versions.LISTINGS]


def reader_page(view=None, *, params: Mapping[str, Callable[[str | None], Any]] | None = None,
                scope: Callable[..., list[str] | None] | None = None, viewers: Viewers | None = None):
    """Serve signed-out readers a kept copy of this GET view's 200 response, and signed-in viewers a kept
    shell of their class (``viewers``), while nothing the page shows has changed; answer every GET with an
    ETag (304 when the browser's copy is current).

    ``params`` names the query parameters the page depends on, each with the function the view reads it
    with (``{"after": Cursor.parse}``); any other parameter is ignored, so it can't make a new entry.
    ``scope(session, **view_args)`` names the versions the page shows (``app.cache_versions``), or None when
    it can't tell (nothing is kept then); without it, any change to a scene moves the page on.
    Use as ``@reader_page`` or ``@reader_page(params={...}, scope=..., viewers=...)``.
    """
    if view is None:
        return lambda inner: reader_page(inner, params=params, scope=scope, viewers=viewers)
    declared = dict(params or {})

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method != "GET":
            return view(*args, **kwargs)
        g.pop("skip_page_cache", None), g.pop("personal_page", None)
        scopes = _scope_of(scope, kwargs)
        if scopes is None:
            return view(*args, **kwargs)
        claimed = _claimed_shell(scopes, declared, viewers) if viewers else None
        if _for_viewer():
            g.pop("kept_viewer", None), g.pop("kept_user", None)  # the viewer is loaded: what was read for it is used
            if claimed is not None and current_user.get_id() == claimed.viewer.get_id():
                key, kind, kept = claimed.key, claimed.kind, claimed.kept
            elif (kind := viewers(db.session, current_user, scopes) if viewers and _plain_visit() else None) is None:
                key, kept = f"v{CACHE_FORMAT}:{versions.current(scopes)}:{_address(declared)}", None
            else:
                key, kept = SHELL_STORE.find(scopes, f"{_address(declared)}|{kind}")
            return _viewer_page(view, args, kwargs, key, kind, kept)
        if not _for_readers():  # a token, or a message waiting: fresh, with the body's ETag
            response = current_app.make_response(view(*args, **kwargs))
            return _conditional(response) if _keeps(response) else response
        return _reader_page(view, args, kwargs, *PAGE_STORE.find(scopes, _address(declared)))

    wrapper.kept_page = True
    return wrapper


def _plain_visit() -> bool:
    return current_app.config["PAGE_CACHE_SECONDS"] > 0 and set(session.keys()) <= PLAIN_SESSION


@dataclass(frozen=True)
class _Claim:
    """What one round trip found for a plain signed-in visit: the viewer as their kept row tells, their class,
    and the key of the shell kept for it (with the shell, when there is one)."""

    viewer: KeptViewer
    kind: str
    key: str
    kept: bytes | None


def _claimed_shell(scopes: list[str], declared, viewers: Viewers) -> _Claim | None:
    """For a plain signed-in visit, before Flask-Login loads anybody: the viewer's kept row, their class and its
    shell, in one Redis round trip; None when the row isn't kept or no shell serves their class (moderators).
    When the shell is there, Flask-Login is handed the kept viewer and no ORM object is built; otherwise it
    loads the ``User`` from the row already read (``app.caching.known_user``)."""
    claimed = session.get("_user_id")
    if not isinstance(claimed, str) or "Authorization" in request.headers or not _plain_visit():
        return None
    if (user_id := session_user_id(claimed)) is None:
        return None
    address, classes = _address(declared), (MEMBER, own_class(user_id))
    try:
        found, keys, shells = SHELL_STORE.find_with(viewer_rows(user_id), scopes, [f"{address}|{kind}" for kind in classes])
    except RedisError:
        return None
    viewer = kept_viewer(user_id, found)
    if viewer is None or viewer.get_id() != claimed:
        return None
    if (kind := viewers(db.session, viewer, scopes)) not in classes:
        return None
    claim = _Claim(viewer, kind, keys[classes.index(kind)], shells[classes.index(kind)])
    if claim.kept is not None:
        g.kept_viewer = viewer  # Flask-Login's loader hands it over once its own checks pass (app.auth.routes)
    return claim


def _viewer_page(view, args, kwargs, key: str, kind: str | None, kept: bytes | None) -> Response:
    """A signed-in page, or 304 when the viewer's copy is current. Its ETag is worked out from the session as
    the page leaves it (a first page adds the CSRF token); a page that used up something the session held
    (a flashed message, a refused prompt) shows it once, so it gets none."""
    if request.if_none_match.contains_weak(_viewer_etag(key)):
        return _conditional(Response(status=304), _viewer_etag(key))
    held = set(session.keys())
    if kind is None:
        response = current_app.make_response(view(*args, **kwargs))
    else:
        response = _shell_page(view, args, kwargs, key, kept)
    keeps = response.status_code == 200 and not response.direct_passthrough and not g.get("skip_page_cache")
    return _conditional(response, _viewer_etag(key)) if keeps and held <= set(session.keys()) else response


def _shell_page(view, args, kwargs, key: str, hit: bytes | None) -> Response:
    """The page from the kept shell ``hit`` of the viewer's class (rendered and kept under ``key`` when there is
    none), with the viewer's own bits put in."""
    token = _csrf_token()  # the session's token exists before the shell is rendered or served
    claimed, hit = SHELL_STORE.claim_or_wait(key) if hit is None else (False, hit)
    metrics.viewer_page_cache(hit is not None)
    if hit is not None:
        mimetype, slots, body = pickle.loads(hit)  # noqa: S301 - only this module writes these keys
        return Response(_fill(body, slots, token), mimetype=mimetype)
    with SHELL_STORE.building(key, claimed) as build, _rendering_shell(token):
        response = current_app.make_response(view(*args, **kwargs))
        slots = g.shell_slots
        if response.direct_passthrough:
            return response
        body = response.get_data(as_text=True)
        if (response.status_code == 200 and not g.get("skip_page_cache") and not g.get("personal_page")
                and set(session.keys()) <= PLAIN_SESSION):
            build.put(pickle.dumps((response.mimetype, slots, body)), cache_timeout("PAGE_CACHE_SECONDS"))
    response.set_data(_fill(body, slots, token))
    return response


def _csrf_token() -> str:
    """The session's signed CSRF token. Tokens that never expire (``WTF_CSRF_TIME_LIMIT`` None) are signed once
    per session in each process: signing was a good part of what a page served from a shell costs."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    raw = session.get(field)
    if raw is None or field in g or current_app.config.get("WTF_CSRF_TIME_LIMIT") is not None:
        return generate_csrf()
    signed = current_app.extensions.setdefault("sf_signed_csrf", {})
    if (token := signed.get(raw)) is None:
        if len(signed) >= _SIGNED_TOKENS:
            signed.clear()
        token = signed[raw] = generate_csrf()
    setattr(g, field, token)
    return token


@contextmanager
def _rendering_shell(token: str):
    """While the view renders a shell: the viewer's name and CSRF token come out as markers."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    g.rendering_shell, g.shell_slots = True, {}
    setattr(g, field, marker("csrf"))
    try:
        yield
    finally:
        g.rendering_shell = False
        setattr(g, field, token)


def _fill(body: str, slots: dict[str, tuple[str, str, int]], token: str) -> str:
    """``body`` with the viewer's own bits in place of the markers."""
    name = current_user.username
    body = body.replace(marker("csrf"), token).replace(marker("name"), str(escape(name)))
    for slot, (before, after, limit) in slots.items():
        body = body.replace(slot, str(escape((before + name + after)[:limit])))
    return body


def _reader_page(view, args, kwargs, key: str, hit: bytes | None) -> Response:
    claimed, hit = PAGE_STORE.claim_or_wait(key) if hit is None else (False, hit)
    metrics.page_cache(hit is not None)
    if hit is not None:
        mimetype, _, body = hit.partition(b"\n")
        return _conditional(Response(body, mimetype=mimetype.decode()))
    with PAGE_STORE.building(key, claimed) as build:
        response = current_app.make_response(view(*args, **kwargs))
        if not _keeps(response):
            return response
        build.put(response.mimetype.encode() + b"\n" + response.get_data(), cache_timeout("PAGE_CACHE_SECONDS"))
    return _conditional(response)


#: what a copy kept for everyone keeps of the view's headers besides its type: its caching
_EVERYONES_HEADERS = ("ETag", "Cache-Control")


def everyones_page(view=None, *, params: Mapping[str, Callable[[str | None], Any]] | None = None,
                   scope: Callable[..., list[str] | None] | None = None):
    """Serve this GET view's response from a copy kept for everyone while nothing it shows has changed, when the
    view marked it ``same_for_everyone()``; the copy is found before the session's user is loaded, so serving it
    sends no SQL. ``params`` and ``scope`` as for ``reader_page``. A response not marked is served as built
    (with an ETag), and not kept."""
    if view is None:
        return lambda inner: everyones_page(inner, params=params, scope=scope)
    declared = dict(params or {})

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method != "GET" or current_app.config["PAGE_CACHE_SECONDS"] <= 0:
            return view(*args, **kwargs)
        g.pop("same_for_everyone", None)
        scopes = _scope_of(scope, kwargs)
        if scopes is None:
            metrics.everyone_cache(False)
            return view(*args, **kwargs)
        key, hit = PAGE_STORE.find(scopes, f"everyone|{_address(declared)}")
        claimed, hit = PAGE_STORE.claim_or_wait(key) if hit is None else (False, hit)
        metrics.everyone_cache(hit is not None)
        if hit is not None:
            return _everyones(*pickle.loads(hit))  # noqa: S301 - only this module writes these keys
        with PAGE_STORE.building(key, claimed) as build:
            response = current_app.make_response(view(*args, **kwargs))
            keeps = _keeps(response)
            if not (keeps and g.pop("same_for_everyone", False)):
                return _conditional(response) if keeps else response
            response.add_etag()  # the view's own, else the body's
            response.headers.setdefault("Cache-Control", "no-cache")
            kept = (response.mimetype, {name: response.headers[name] for name in _EVERYONES_HEADERS}, response.get_data())
            build.put(pickle.dumps(kept), cache_timeout("PAGE_CACHE_SECONDS"))
        return _everyones(*kept)

    wrapper.kept_page = True
    return wrapper


def _everyones(mimetype: str, headers: dict[str, str], body: bytes) -> Response:
    return Response(body, mimetype=mimetype, headers=headers).make_conditional(request)
