"""Redis caches that never serve stale data, and the version numbers that make it so.

Cache keys carry the versions of what they show (``app.cache_versions``: a story tree, a topic, the
home page's listings), moved after every commit that changed something they show, so a change —
made by the web app or by the worker, in any process — makes the older entries of that scope
unreachable and leaves every other kept page in place; the unreachable ones expire on their own.

- ``cached_listing(name, build)`` keeps a listing's plain values (scene cards).
- ``cached_fragment(name, scopes, build)`` keeps rendered HTML the same for every viewer.
- ``app.pages`` keeps whole pages for signed-out readers and shells for signed-in viewers.

Each lives in a ``BoundedStore``: at most a configured number of entries
(``PAGE_CACHE_MAX_ENTRIES``, ``LISTING_CACHE_MAX_ENTRIES`` …), the oldest dropped
first. The store removes only keys it made itself, so the Redis that also holds
the queue and the rate limits never needs an eviction policy that could touch those.
"""
from __future__ import annotations

import logging
import pickle
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, current_app, g
from flask_login import UserMixin
from redis.exceptions import RedisError
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from app import cache_versions as versions
from app.extensions import db, redis_client, storage
from app.models import User

log = logging.getLogger(__name__)
T = TypeVar("T")


def cache_timeout(setting: str) -> int:
    """The configured lifetime ``setting``, cut short when cached entries hold presigned media URLs."""
    timeout = current_app.config[setting]
    if not storage().stable_public_urls:  # entries hold presigned media URLs: drop them well before those expire
        timeout = min(timeout, current_app.config["MEDIA_URL_TTL"] // 2)
    return timeout


def playlist_key(scene_id: int, head_id: int | None, visibility: str) -> str:
    """Where a scene's playlist ending at segment ``head_id`` is kept (``app.story.playback``; a takedown drops it)."""
    return f"playlist:{scene_id}:{head_id}:{visibility}"


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

    def claim_key(self, key: str) -> str:
        """Where the claim of the request building ``key`` is kept (``claim_or_wait``)."""
        return f"{self.prefix}building:{key}"

    def find(self, scopes: Iterable[str], name: str) -> tuple[str, bytes | None]:
        """The key of ``name`` at the current versions of ``scopes``, and what is kept under it (one round trip)."""
        _, (key,), (kept,) = self.find_with((), scopes, [name])
        return key, kept

    def find_with(self, wanted: Sequence[tuple[str, str]], scopes: Iterable[str], names: Sequence[str]
                  ) -> tuple[list[tuple[int, bytes | None]], list[str], list[bytes | None]]:
        """``find`` for each of ``names``, and what ``app.cache_versions.kept`` reads for ``wanted``, in one round trip."""
        found, at, kept = versions.kept(wanted, scopes, f"{self.prefix}v{CACHE_FORMAT}:", [f":{name}" for name in names])
        return found, [f"v{CACHE_FORMAT}:{at}:{name}" for name in names], kept

    def claim_or_wait(self, key: str) -> tuple[bool, bytes | None]:
        """Before building what is missing under ``key``: ``(True, None)`` when this request builds it (it then
        calls ``release``), else what the request building it meanwhile kept (``(False, entry)``), or
        ``(False, None)`` when that one keeps nothing or took too long: then this one builds it too.

        A change moves a page's versions and every request for it then misses at once: without this each of
        them built the same page (a busy page at 16 connections was built about 7 times per change)."""
        building = self.claim_key(key)
        try:
            if redis_client().set(building, _BUILDING, nx=True, px=BUILD_LEASE_MS):
                return True, None
            deadline = time.monotonic() + BUILD_WAIT_SECONDS
            while True:
                kept, claim = redis_client().mget(self.prefix + key, building)
                if kept is not None or claim != _BUILDING or time.monotonic() > deadline:
                    return False, kept
                time.sleep(BUILD_POLL_SECONDS)
        except RedisError:
            return False, None

    @contextmanager
    def building(self, key: str, claimed: bool) -> Iterator[Build]:
        """While a missing entry is built: keep it with ``build.put``; the claim (if ``claimed``) ends after."""
        build = Build(self, key)
        try:
            yield build
        finally:
            if claimed:
                self.release(key, build.kept)

    def release(self, key: str, kept: bool) -> None:
        """End this request's claim to build ``key`` (``claim_or_wait``). When it kept nothing (a page that is
        never kept, such as one showing work in progress), requests stop waiting for it for a while."""
        building = self.claim_key(key)
        try:
            if kept:
                redis_client().delete(building)
            else:
                redis_client().set(building, _NOT_KEPT, px=BUILD_LEASE_MS)
        except RedisError:  # the claim lapses on its own
            pass

    def put(self, key: str, value: bytes, timeout: int) -> None:
        versions.script("sf_bounded_put", _PUT)(keys=[self.prefix + key, self.index],
                                                args=[value, max(int(timeout), 1), time.time(), current_app.config[self.budget]])

    def size(self) -> int:
        return int(redis_client().zcard(self.index))


@dataclass
class Build:
    """An entry being built (``BoundedStore.building``): whether it was kept."""

    store: BoundedStore
    key: str
    kept: bool = False

    def put(self, value: bytes, timeout: int) -> None:
        self.store.put(self.key, value, timeout)
        self.kept = True


#: how long one request's claim to build a missing entry lasts (a request that died leaves it this long) …
BUILD_LEASE_MS = 3000
#: … how long the others wait for it before they build their own, and how often they look
BUILD_WAIT_SECONDS, BUILD_POLL_SECONDS = 1.5, 0.005
#: what a claim holds: being built, or built and not kept (nobody need wait)
_BUILDING, _NOT_KEPT = b"1", b"0"
PAGE_STORE = BoundedStore("sf-pages:", "PAGE_CACHE_MAX_ENTRIES")
LISTING_STORE = BoundedStore("sf-listings:", "LISTING_CACHE_MAX_ENTRIES")
FRAGMENT_STORE = BoundedStore("sf-fragments:", "FRAGMENT_CACHE_MAX_ENTRIES")
SHELL_STORE = BoundedStore("sf-shells:", "SHELL_CACHE_MAX_ENTRIES")
#: moves when what is cached changes shape (cards, URLs), so new code never serves entries old code kept
CACHE_FORMAT = 2


def cached_listing(name: str, build: Callable[[], T], scopes: Iterable[str] = (versions.LISTINGS,)) -> T:
    """``build()``, cached under ``name`` until the next change to what ``scopes`` cover (any scene by default)."""
    key, hit = LISTING_STORE.find(scopes, name)
    if hit is not None:
        return pickle.loads(hit)  # noqa: S301 - only this module writes these keys
    value = build()
    LISTING_STORE.put(key, pickle.dumps(value), cache_timeout("LISTING_CACHE_SECONDS"))
    return value


def cached_fragment(name: str, scopes: Iterable[str], build: Callable[[], str]) -> str:
    """``build()`` (rendered HTML the same for every viewer), kept under ``name`` until what ``scopes``
    cover changes."""
    key, hit = FRAGMENT_STORE.find(scopes, name)
    if hit is not None:
        return hit.decode()
    html = build()
    FRAGMENT_STORE.put(key, html.encode(), cache_timeout("PAGE_CACHE_SECONDS"))
    return html


#: how long a person's row is kept when nothing changes it (rows changed outside the app show after this)
KNOWN_USER_SECONDS = 300
#: every column but the password hash, which stays in the database (read from there when it is needed)
_USER_COLUMNS = tuple(c.key for c in inspect(User).column_attrs if c.key != "password_hash")


def session_user_id(session_id: str) -> int | None:
    """The user id a session or remember-me cookie names (``<id>:<session version>``); None when malformed."""
    user_id, _, version = session_id.partition(":")
    well_formed = user_id.isdigit() and version.isdigit() and len(user_id) < 19 and len(version) < 19
    return int(user_id) if well_formed else None


def viewer_rows(user_id: int) -> list[tuple[str, str]]:
    """What is kept of a signed-in person, as ``(scope, prefix)`` pairs for ``app.cache_versions.kept``: their row
    (``user:<id>``) and the story trees they own scenes in (``owner:<id>``)."""
    return [(versions.user(user_id), versions.user_row_prefix(user_id)),
            (versions.owner(user_id), versions.own_trees_prefix(user_id))]


class KeptViewer(UserMixin):
    """A signed-in person as their kept row tells: enough to serve them a kept shell (``app.pages``) without
    building the ORM object. Only a page served from a shell sees one; a view always gets the ``User``."""

    is_moderator = User.is_moderator  # the same rule, read off the same column
    is_admin = User.is_admin

    def __init__(self, row: dict):
        self.id, self.username, self.role = row["id"], row["username"], row["role"]
        self.session_version = row["session_version"]

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


def kept_viewer(user_id: int, found: list[tuple[int, bytes | None]]) -> KeptViewer | None:
    """The viewer ``user_id`` from what ``viewer_rows`` found (None: their row isn't kept). What was found is
    left for ``known_user`` and ``app.story.viewers.own_trees``, so the page's round trip is the request's only one."""
    (version, row), trees = found
    g.kept_user, g.own_trees = (user_id, version, row), (user_id, *trees)
    return KeptViewer(pickle.loads(row)) if row is not None else None  # noqa: S301 - only this module writes these keys


def known_user(user_id: int) -> User | None:
    """The user ``user_id`` for this request's session, from Redis while their row is unchanged (no SQL), else
    from the database. The row is kept under the person's version (``user:<id>``), which every commit that
    changes it moves, so signing out everywhere or a suspension shows on the next request. The same round
    trip reads which story trees they own scenes in (``app.story.viewers.own_trees``)."""
    identity = db.session.identity_key(User, user_id)
    if identity in db.session.identity_map:
        g.pop("own_trees", None), g.pop("kept_user", None)
        return db.session.identity_map[identity]
    read = g.pop("kept_user", None)  # read with the page (``kept_viewer``)
    if read is not None and read[0] == user_id:
        _, version, kept = read
    else:
        try:
            (version, kept), trees = versions.kept_under(*viewer_rows(user_id))
        except RedisError:
            return db.session.get(User, user_id)
        g.own_trees = (user_id, *trees)  # the story trees they own scenes in, read in the same round trip
    if kept is not None:
        user = User(**pickle.loads(kept))  # noqa: S301 - only this module writes these keys
        make_transient_to_detached(user)
        db.session.add(user)
        return user
    user = db.session.get(User, user_id)
    if user is not None:
        values = pickle.dumps({name: getattr(user, name) for name in _USER_COLUMNS})
        redis_client().set(f"{versions.user_row_prefix(user_id)}{version}", values, ex=KNOWN_USER_SECONDS)
    return user


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
