"""Redis caches that never serve stale data, and the version numbers that make it so.

Cache keys carry the versions of what they show (``app.cache_versions``: a story tree, a topic, the
home page's listings), moved after every commit that changed something they show, so a change —
made by the web app or by the worker, in any process — makes the older entries of that scope
unreachable and leaves every other kept page in place; the unreachable ones expire on their own.

- ``cached_listing(name, build)`` keeps a listing's plain values (scene cards).
- ``@reader_page`` keeps whole responses of public pages for signed-out readers
  (no cookies, no CSRF token, no flash), which is most of the traffic. A page is
  keyed by its path and the query parameters it declares, read the way the view
  reads them: ``/?junk=1`` is the same page as ``/``.

Both live in a ``BoundedStore``: at most a configured number of entries
(``PAGE_CACHE_MAX_ENTRIES``, ``LISTING_CACHE_MAX_ENTRIES``), the oldest dropped
first. The store removes only keys it made itself, so the Redis that also holds
the queue and the rate limits never needs an eviction policy that could touch those.
"""
from __future__ import annotations

import hashlib
import logging
import pickle
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import cache_versions as versions
from app.extensions import db, redis_client, storage
from app.observability import metrics

log = logging.getLogger(__name__)
T = TypeVar("T")


def cache_timeout(setting: str) -> int:
    """The configured lifetime ``setting``, cut short when cached entries hold presigned media URLs."""
    timeout = current_app.config[setting]
    if not storage().stable_public_urls:  # entries hold presigned media URLs: drop them well before those expire
        timeout = min(timeout, current_app.config["MEDIA_URL_TTL"] // 2)
    return timeout


#: put an entry, index it by time, and drop the oldest entries past the budget (atomically)
_PUT = """
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], KEYS[1])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if over > 0 then
  local oldest = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #oldest, 2 do redis.call('DEL', oldest[i]) end
end
"""


@dataclass(frozen=True)
class BoundedStore:
    """Values under ``prefix`` in Redis, never more than the ``budget`` setting of them (oldest dropped first)."""

    prefix: str
    budget: str

    @property
    def index(self) -> str:
        return f"{self.prefix}index"

    def get(self, key: str) -> bytes | None:
        return redis_client().get(self.prefix + key)

    def put(self, key: str, value: bytes, timeout: int) -> None:
        extensions = current_app.extensions
        if "sf_bounded_put" not in extensions:
            extensions["sf_bounded_put"] = redis_client().register_script(_PUT)
        extensions["sf_bounded_put"](keys=[self.prefix + key, self.index],
                                     args=[value, max(int(timeout), 1), time.time(), current_app.config[self.budget]])

    def size(self) -> int:
        return int(redis_client().zcard(self.index))


PAGE_STORE = BoundedStore("sf-pages:", "PAGE_CACHE_MAX_ENTRIES")
LISTING_STORE = BoundedStore("sf-listings:", "LISTING_CACHE_MAX_ENTRIES")
FRAGMENT_STORE = BoundedStore("sf-fragments:", "FRAGMENT_CACHE_MAX_ENTRIES")
#: moves when what is cached changes shape (cards, URLs), so new code never serves entries old code kept
CACHE_FORMAT = 2


def cached_listing(name: str, build: Callable[[], T], scopes: Iterable[str] = (versions.LISTINGS,)) -> T:
    """``build()``, cached under ``name`` until the next change to what ``scopes`` cover (any scene by default)."""
    key = f"v{CACHE_FORMAT}:{versions.current(scopes)}:{name}"
    if (hit := LISTING_STORE.get(key)) is not None:
        return pickle.loads(hit)  # noqa: S301 - only this module writes these keys
    value = build()
    LISTING_STORE.put(key, pickle.dumps(value), cache_timeout("LISTING_CACHE_SECONDS"))
    return value


def cached_fragment(name: str, scopes: Iterable[str], build: Callable[[], str]) -> str:
    """``build()`` (rendered HTML the same for every viewer), kept under ``name`` until what ``scopes``
    cover changes."""
    key = f"v{CACHE_FORMAT}:{versions.current(scopes)}:{name}"
    if (hit := FRAGMENT_STORE.get(key)) is not None:
        return hit.decode()
    html = build()
    FRAGMENT_STORE.put(key, html.encode(), cache_timeout("PAGE_CACHE_SECONDS"))
    return html


def skip_page_cache() -> None:
    """Mark this response as not to be kept (e.g. it shows a generation in progress)."""
    g.skip_page_cache = True


def _for_readers() -> bool:
    return (current_app.config["PAGE_CACHE_SECONDS"] > 0 and not current_user.is_authenticated
            and "Authorization" not in request.headers and not session.get("_flashes"))


def _for_viewer() -> bool:
    """A signed-in person on the site (not a token): their page's ETag is worked out before it is rendered."""
    return current_user.is_authenticated and "Authorization" not in request.headers


def _page_key(params: Mapping[str, Callable[[str | None], Any]], scopes: list[str]) -> str:
    """The versions, the path and each declared parameter as the view reads it (absent or malformed: None)."""
    read = "&".join(f"{name}={parse(request.args.get(name))}" for name, parse in sorted(params.items()))
    return f"v{CACHE_FORMAT}:{versions.current(scopes)}:{request.path}?{read}"


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
                scope: Callable[..., list[str] | None] | None = None):
    """Serve signed-out readers a kept copy of this GET view's 200 response while nothing it shows has
    changed, and answer every GET with an ETag (304 when the browser's copy is current).

    ``params`` names the query parameters the page depends on, each with the function the view reads it
    with (``{"after": Cursor.parse}``); any other parameter is ignored, so it can't make a new entry.
    ``scope(session, **view_args)`` names the versions the page shows (``app.cache_versions``), or None when
    it can't tell (nothing is kept then); without it, any change to a scene moves the page on.
    Use as ``@reader_page`` or ``@reader_page(params={...}, scope=...)``.
    """
    if view is None:
        return lambda inner: reader_page(inner, params=params, scope=scope)
    declared = dict(params or {})

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method != "GET":
            return view(*args, **kwargs)
        scopes = _scope_of(scope, kwargs)
        if scopes is None:
            return view(*args, **kwargs)
        if _for_viewer():
            return _viewer_page(view, args, kwargs, _page_key(declared, scopes))
        if not _for_readers():  # a token, or a message waiting: fresh, with the body's ETag
            response = current_app.make_response(view(*args, **kwargs))
            return _conditional(response) if _keeps(response) else response
        return _reader_page(view, args, kwargs, _page_key(declared, scopes))

    return wrapper


def _viewer_page(view, args, kwargs, key: str) -> Response:
    """A signed-in page, or 304 when the viewer's copy is current. Its ETag is worked out from the session as
    the page leaves it (a first page adds the CSRF token); a page that used up something the session held
    (a flashed message, a refused prompt) shows it once, so it gets none."""
    if request.if_none_match.contains_weak(_viewer_etag(key)):
        return _conditional(Response(status=304), _viewer_etag(key))
    held = set(session.keys())
    response = current_app.make_response(view(*args, **kwargs))
    keeps = response.status_code == 200 and not response.direct_passthrough and not g.get("skip_page_cache")
    return _conditional(response, _viewer_etag(key)) if keeps and held <= set(session.keys()) else response


def _reader_page(view, args, kwargs, key: str) -> Response:
    hit = PAGE_STORE.get(key)
    metrics.page_cache(hit is not None)
    if hit is not None:
        mimetype, _, body = hit.partition(b"\n")
        return _conditional(Response(body, mimetype=mimetype.decode()))
    response = current_app.make_response(view(*args, **kwargs))
    if not _keeps(response):
        return response
    PAGE_STORE.put(key, response.mimetype.encode() + b"\n" + response.get_data(), cache_timeout("PAGE_CACHE_SECONDS"))
    return _conditional(response)


def _note_deleted(session: Session, flush_context, instances) -> None:
    """Rows about to be deleted: their tree is read while their segments still exist."""
    with session.no_autoflush:
        _note(session, session.deleted, shown=True)


def _note_written(session: Session, flush_context) -> None:
    """New and changed rows, once the flush has given them ids and foreign keys."""
    _note(session, session.new, shown=True)
    _note(session, [obj for obj in session.dirty if session.is_modified(obj)], shown=False)


def _note(session: Session, objs, shown: bool) -> None:
    for obj in objs:
        if scopes := versions.scopes_of(session, obj, shown):
            session.info.setdefault("versions_to_bump", set()).update(scopes)


def _bump_after_commit(session: Session) -> None:
    scopes = session.info.pop("versions_to_bump", ())
    if not scopes:
        return
    try:
        versions.bump(scopes)
    except RedisError:  # the change is committed; caches catch up when their entries expire
        log.warning("could not move %s; cached pages may be stale for a while", sorted(scopes))


def _forget(session: Session, *args) -> None:
    session.info.pop("versions_to_bump", None)


def init_app(app: Flask) -> None:
    """Move the versions after every commit of the app's database session that touched what they cover
    (the web app's and the worker's alike). The session class is shared, so this registers once."""
    if not event.contains(db.session, "before_flush", _note_deleted):
        event.listen(db.session, "before_flush", _note_deleted)
        event.listen(db.session, "after_flush", _note_written)
        event.listen(db.session, "after_commit", _bump_after_commit)
        event.listen(db.session, "after_rollback", _forget)
