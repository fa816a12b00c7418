"""Redis caches that never serve stale data, and the version numbers that make it so.

Two version numbers live in Redis. ``LISTINGS`` moves on every committed change
to a scene or topic (a head moving, a new scene or fork, a title or visibility
change); ``PAGES`` also on changes to segments, director's cuts and Bible
corrections. Cache keys carry the version, so a change — made by the web app
or by the worker, in any process — makes every older entry unreachable; those
expire on their own.

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

import logging
import pickle
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db, redis_client, storage
from app.models import BibleChange, BibleEntity, DirectorsCut, Scene, Segment, Topic
from app.observability import metrics

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Version:
    """A number in Redis that moves whenever a committed change touches one of ``models``."""

    key: str
    models: tuple[type, ...]

    def current(self) -> int:
        return int(redis_client().get(self.key) or 0)


LISTINGS = Version("sf:version:listings", (Scene, Topic))
PAGES = Version("sf:version:pages", (Scene, Topic, Segment, DirectorsCut, BibleChange, BibleEntity))
VERSIONS = (LISTINGS, PAGES)


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
#: moves when what is cached changes shape (cards, URLs), so new code never serves entries old code kept
CACHE_FORMAT = 2


def cached_listing(name: str, build: Callable[[], T]) -> T:
    """``build()``, cached under ``name`` until the next change to any scene or topic."""
    key = f"v{CACHE_FORMAT}:{LISTINGS.current()}:{name}"
    if (hit := LISTING_STORE.get(key)) is not None:
        return pickle.loads(hit)  # noqa: S301 - only this module writes these keys
    value = build()
    LISTING_STORE.put(key, pickle.dumps(value), cache_timeout("LISTING_CACHE_SECONDS"))
    return value


def skip_page_cache() -> None:
    """Mark this response as not to be kept (e.g. it shows a generation in progress)."""
    g.skip_page_cache = True


def _for_readers() -> bool:
    return (request.method == "GET" and current_app.config["PAGE_CACHE_SECONDS"] > 0
            and not current_user.is_authenticated and "Authorization" not in request.headers
            and not session.get("_flashes"))


def _page_key(params: Mapping[str, Callable[[str | None], Any]]) -> str:
    """The path plus each declared parameter as the view reads it (absent or malformed ones read as None)."""
    read = "&".join(f"{name}={parse(request.args.get(name))}" for name, parse in sorted(params.items()))
    return f"v{CACHE_FORMAT}:{PAGES.current()}:{request.path}?{read}"


def reader_page(view=None, *, params: Mapping[str, Callable[[str | None], Any]] | None = None):
    """Serve signed-out readers a kept copy of this GET view's 200 response while nothing has changed.

    ``params`` names the query parameters the page depends on, each with the function the view reads it
    with (``{"after": Cursor.parse}``); any other parameter is ignored, so it can't make a new entry.
    Use as ``@reader_page`` or ``@reader_page(params={...})``.
    """
    if view is None:
        return lambda inner: reader_page(inner, params=params)
    declared = dict(params or {})

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _for_readers():
            return view(*args, **kwargs)
        key = _page_key(declared)
        hit = PAGE_STORE.get(key)
        metrics.page_cache(hit is not None)
        if hit is not None:
            mimetype, _, body = hit.partition(b"\n")
            return Response(body, mimetype=mimetype.decode())
        response = current_app.make_response(view(*args, **kwargs))
        if (response.status_code == 200 and not response.direct_passthrough and not g.get("skip_page_cache")
                and not session.modified and "Set-Cookie" not in response.headers):
            PAGE_STORE.put(key, response.mimetype.encode() + b"\n" + response.get_data(),
                           cache_timeout("PAGE_CACHE_SECONDS"))
        return response

    return wrapper


def _note_changes(session: Session, flush_context, instances) -> None:
    touched = {type(obj) for obj in (*session.new, *session.dirty, *session.deleted)}
    for version in VERSIONS:
        if touched & set(version.models):
            session.info.setdefault("versions_to_bump", set()).add(version.key)


def _bump_after_commit(session: Session) -> None:
    for key in session.info.pop("versions_to_bump", ()):
        try:
            redis_client().incr(key)
        except RedisError:  # the change is committed; caches catch up when their entries expire
            log.warning("could not move %s; cached pages may be stale for a while", key)


def _forget(session: Session, *args) -> None:
    session.info.pop("versions_to_bump", None)


def init_app(app: Flask) -> None:
    """Move the versions after every commit of the app's database session that touched their models
    (the web app's and the worker's alike). The session class is shared, so this registers once."""
    if not event.contains(db.session, "before_flush", _note_changes):
        event.listen(db.session, "before_flush", _note_changes)
        event.listen(db.session, "after_commit", _bump_after_commit)
        event.listen(db.session, "after_rollback", _forget)
