"""Redis caches that never serve stale data, and the version numbers that make it so.

Two version numbers live in Redis. ``LISTINGS`` moves on every committed change
to a scene or topic (a head moving, a new scene or fork, a title or visibility
change); ``PAGES`` also on changes to segments, director's cuts and Bible
corrections. Cache keys carry the version, so a change — made by the web app
or by the worker, in any process — makes every older entry unreachable; those
expire on their own.

- ``cached_listing(name, build)`` keeps a listing's plain values (scene cards).
- ``@reader_page`` keeps whole responses of public pages for signed-out readers
  (no cookies, no CSRF token, no flash), which is most of the traffic.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TypeVar

from flask import Response, current_app, g, request, session
from flask_login import current_user
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import cache, redis_client, storage
from app.models import BibleChange, BibleEntity, DirectorsCut, Scene, Segment, Topic

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


#: moves when what is cached changes shape (cards, URLs), so new code never serves entries old code kept
CACHE_FORMAT = 2


def cached_listing(name: str, build: Callable[[], T]) -> T:
    """``build()``, cached under ``name`` until the next change to any scene or topic."""
    key = f"listing:v{CACHE_FORMAT}:{LISTINGS.current()}:{name}"
    if (hit := cache.get(key)) is not None:
        return hit
    value = build()
    cache.set(key, value, timeout=cache_timeout("LISTING_CACHE_SECONDS"))
    return value


def skip_page_cache() -> None:
    """Mark this response as not to be kept (e.g. it shows a generation in progress)."""
    g.skip_page_cache = True


def _for_readers() -> bool:
    return (request.method == "GET" and current_app.config["PAGE_CACHE_SECONDS"] > 0
            and not current_user.is_authenticated and "Authorization" not in request.headers
            and not session.get("_flashes"))


def reader_page(view):
    """Serve signed-out readers a kept copy of this GET view's 200 response while nothing has changed."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _for_readers():
            return view(*args, **kwargs)
        key = f"page:v{CACHE_FORMAT}:{PAGES.current()}:{request.full_path}"
        if (hit := cache.get(key)) is not None:
            body, mimetype = hit
            return Response(body, mimetype=mimetype)
        response = current_app.make_response(view(*args, **kwargs))
        if (response.status_code == 200 and not response.direct_passthrough and not g.get("skip_page_cache")
                and not session.modified and "Set-Cookie" not in response.headers):
            cache.set(key, (response.get_data(), response.mimetype), timeout=cache_timeout("PAGE_CACHE_SECONDS"))
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


def watch_for_changes() -> None:
    """Move the versions after every commit that touched their models (any session, any process)."""
    if not event.contains(Session, "before_flush", _note_changes):
        event.listen(Session, "before_flush", _note_changes)
        event.listen(Session, "after_commit", _bump_after_commit)
        event.listen(Session, "after_rollback", _forget)
