"""The version numbers that make kept pages and fragments unreachable once what they show has changed.

A version is a counter in Redis, scoped to what changed rather than to the whole site:

- ``tree:<root segment id>`` — every scene of one story tree: the scene, watch, Bible and tree pages and
  their API reads (a new segment or a Bible correction on a shared ancestor shows on every fork's page);
  ``tree:scene-<id>`` stands in for a scene that has no segment yet;
- ``topic:<slug>`` — a topic's listing (its page knows the slug without asking the database);
- ``home`` — the home page's listings; ``listings`` — every other listing of scenes (profiles, topics);
- ``user:<user id>`` — one person's row, kept so that a signed-in page served from a shell sends no SQL
  (``app.caching.known_user``);
- ``owner:<user id>`` — the scenes one person owns: which story trees they own a scene in
  (``app.story.viewers``);
- ``all`` — part of every key: moves when a topic changes (its name shows on every scene page) or a person's
  username does (an erased account's: it shows on every page naming a segment's writer).

``note_changes`` (run by the session's flush events) reads the changed rows' scene, topic and root ids
and collects the versions they touch; ``bump`` moves them after the commit. Rows that no page shows
(job progress, heartbeats, checkpoints of a segment still generating) move nothing.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, func, inspect, select
from sqlalchemy.orm import Session

from app.extensions import redis_client
from app.models import BibleChange, BibleEntity, DirectorsCut, Scene, Segment, Topic, User
from app.models.paths import segment_walk

ALL, HOME, LISTINGS = "all", "home", "listings"
_PREFIX = "sf:version:"
#: segment id -> root segment id, and scene public id -> root segment id: both fixed for good once known;
#: topic id -> slug, forgotten whenever a topic changes
SEGMENT_ROOTS, SCENE_ROOTS, TOPIC_SLUGS = "sf:roots:segment", "sf:roots:scene", "sf:topic-slugs"
SEGMENT_REF_ROOTS = "sf:roots:segment-ref"


def tree(root_id: int) -> str:
    return f"tree:{root_id}"


def topic(slug: str) -> str:
    return f"topic:{slug}"


def owner(user_id: int) -> str:
    return f"owner:{user_id}"


def user(user_id: int) -> str:
    return f"user:{user_id}"


def user_row_prefix(user_id: int) -> str:
    """Where a person's row is kept, before the ``user:<id>`` version (``app.caching.known_user``)."""
    return f"sf:user:{user_id}:"


def own_trees_prefix(user_id: int) -> str:
    """Where the story trees ``user_id`` owns scenes in are kept, before the ``owner:<id>`` version."""
    return f"sf:own-trees:{user_id}:"


#: one round trip for whatever a request needs kept: for each of the first ARGV[1] KEYS, its version and the value
#: kept under ``<prefix><version>`` (ARGV[2..n+1]); then, when a page is asked for (ARGV[n+2]: the names of the
#: remaining KEYS, one per line), their versions as ``current`` spells them and the value kept under
#: ARGV[n+3] .. versions .. each of the remaining ARGV (one page, or the shells of several classes of viewer)
_KEPT = """
local n = tonumber(ARGV[1])
local found = {}
for i = 1, n do
  local version = redis.call('GET', KEYS[i]) or '0'
  found[#found + 1] = version
  found[#found + 1] = redis.call('GET', ARGV[1 + i] .. version) or false
end
if #ARGV < n + 2 then return found end
local parts, i = {}, n
for name in string.gmatch(ARGV[n + 2], '[^\\n]+') do
  i = i + 1
  parts[#parts + 1] = name .. '=' .. (redis.call('GET', KEYS[i]) or '0')
end
local versions = table.concat(parts, '.')
found[#found + 1] = versions
for j = n + 4, #ARGV do found[#found + 1] = redis.call('GET', ARGV[n + 3] .. versions .. ARGV[j]) or false end
return found
"""


def script(name: str, source: str):
    """The Lua ``source`` registered once per app under ``name``."""
    extensions = current_app.extensions
    if name not in extensions:
        extensions[name] = redis_client().register_script(source)
    return extensions[name]


def kept(wanted: Sequence[tuple[str, str]], scopes: Iterable[str] | None = None, before: str = "",
         afters: Sequence[str] = ()) -> tuple[list[tuple[int, bytes | None]], str, list[bytes | None]]:
    """In one round trip: for each ``(scope, prefix)`` of ``wanted``, where the version of ``scope`` stands and
    what is kept under ``prefix + version`` (None: nothing yet); and, given ``scopes``, their versions as
    ``current`` spells them and what is kept under ``before + versions + after`` for each of ``afters``. A
    value stored under the version read before a change is never read after it."""
    keys, args = [_PREFIX + scope for scope, _ in wanted], [len(wanted), *(prefix for _, prefix in wanted)]
    if scopes is not None:
        names = [ALL, *scopes]
        keys += [_PREFIX + name for name in names]
        args += ["\n".join(names), before, *afters]
    found = script("sf_kept", _KEPT)(keys=keys, args=args)
    pairs = [(int(found[i]), found[i + 1]) for i in range(0, 2 * len(wanted), 2)]
    if scopes is None:
        return pairs, "", []
    return pairs, found[2 * len(wanted)].decode(), list(found[2 * len(wanted) + 1:])


def kept_under(*wanted: tuple[str, str]) -> list[tuple[int, bytes | None]]:
    """For each ``(scope, prefix)``: where the version of ``scope`` stands and what is kept under
    ``prefix + version`` (None: nothing yet), all in one round trip."""
    return kept(wanted)[0]


def current(scopes: Iterable[str]) -> str:
    """The versions of ``scopes`` (plus ``all``) read in one round trip, as one part of a cache key."""
    names = [ALL, *scopes]
    values = redis_client().mget([_PREFIX + name for name in names])
    return ".".join(f"{name}={int(value or 0)}" for name, value in zip(names, values, strict=True))


def value(scope: str) -> int:
    """Where the version of ``scope`` stands now."""
    return int(redis_client().get(_PREFIX + scope) or 0)


def bump(scopes: Iterable[str]) -> None:
    """Move ``scopes`` (one round trip); a topic change also forgets the topic id -> slug memo."""
    pipe = redis_client().pipeline(transaction=False)
    for name in scopes:
        pipe.incr(_PREFIX + name)
    if ALL in scopes:
        pipe.delete(TOPIC_SLUGS)
    pipe.execute()


def root_of(session: Session, segment_id: int | None) -> int | None:
    """The root segment of the story tree ``segment_id`` grows in (remembered in Redis: it never changes)."""
    if segment_id is None:
        return None
    if (known := redis_client().hget(SEGMENT_ROOTS, segment_id)) is not None:
        return int(known)
    walk = segment_walk(segment_id, "up", "to_root")
    root = session.connection().execute(select(walk.c.id).where(walk.c.parent_id.is_(None))).scalar()
    if root is not None:
        redis_client().hset(SEGMENT_ROOTS, segment_id, root)
    return root


def scene_tree(session: Session, scene_id: int, head_id: int | None, forked_from_id: int | None) -> str:
    """The tree version of a scene: its root's, or its own until it has a segment."""
    anchor = head_id or forked_from_id or session.connection().execute(
        select(Segment.id).where(Segment.scene_id == scene_id).order_by(Segment.position).limit(1)).scalar()
    root = root_of(session, anchor)
    return tree(root) if root is not None else f"tree:scene-{scene_id}"


#: the most roots a process remembers besides Redis (then it starts afresh)
_ROOTS_IN_PROCESS = 100_000


def _known_root(table: str, ref: str) -> int | None:
    """A root remembered for good (in this process, else in Redis): no round trip once a process has seen it."""
    if (root := current_app.extensions.get("sf_roots", {}).get((table, ref))) is not None:
        return root
    if (known := redis_client().hget(table, ref)) is None:
        return None
    _remember_here(table, ref, int(known))
    return int(known)


def _remember_here(table: str, ref: str, root: int) -> None:
    here = current_app.extensions.setdefault("sf_roots", {})
    if len(here) >= _ROOTS_IN_PROCESS:
        here.clear()
    here[table, ref] = root


def scene_scope(session: Session, scene_ref: str) -> list[str] | None:
    """The versions of the pages of the scene named ``scene_ref`` (a public id); None when no scene has it."""
    if (known := _known_root(SCENE_ROOTS, scene_ref)) is not None:
        return [tree(known)]
    row = session.execute(_scene_and_root(), {"scene_ref": scene_ref}).first()
    if row is None:
        return None
    if row.root is None:  # no segment yet: until one is kept, a discarded first segment changes the root
        return [scene_tree(session, *row[:3])]
    remember_scene_root(scene_ref, row.root)
    return [tree(row.root)]


@cache
def _scene_and_root():
    """The scene the ``scene_ref`` parameter names (id, head, fork point) and the root of the tree its head or fork
    point grows in (None before it has either), in one statement (built once: it is read on every first view)."""
    named = Scene.public_id == bindparam("scene_ref")
    walk = (select(Segment.id, Segment.parent_id).where(named)
            .join(Scene, Segment.id == func.coalesce(Scene.head_segment_id, Scene.forked_from_segment_id))
            .cte("to_root", recursive=True))
    walk = walk.union_all(select(Segment.id, Segment.parent_id).join(walk, Segment.id == walk.c.parent_id))
    root = select(walk.c.id).where(walk.c.parent_id.is_(None)).scalar_subquery()
    return select(Scene.id, Scene.head_segment_id, Scene.forked_from_segment_id, root.label("root")).where(named)


def known_scene_scope(session: Session, scene_ref: str) -> list[str] | None:
    """``scene_scope`` when the scene's tree is remembered (in this process or in Redis), None when finding it
    would take SQL: for a read that costs less built than its tree costs to find (a playlist)."""
    known = _known_root(SCENE_ROOTS, scene_ref)
    return [tree(known)] if known is not None else None


def remember_scene_root(scene_ref: str, root_id: int) -> None:
    """Remember the root of the scene ``scene_ref`` (with a ready segment) found while reading its path."""
    redis_client().hset(SCENE_ROOTS, scene_ref, root_id)
    _remember_here(SCENE_ROOTS, scene_ref, root_id)


def segment_scope(session: Session, root_ref: str) -> list[str] | None:
    """The versions of the story tree the segment named ``root_ref`` (a public id) grows in."""
    if (known := _known_root(SEGMENT_REF_ROOTS, root_ref)) is not None:
        return [tree(known)]
    root = root_of(session, session.scalar(select(Segment.id).where(Segment.public_id == root_ref)))
    if root is None:
        return None
    redis_client().hset(SEGMENT_REF_ROOTS, root_ref, root)
    _remember_here(SEGMENT_REF_ROOTS, root_ref, root)
    return [tree(root)]


def topic_scope(session: Session, slug: str) -> list[str]:
    """The versions of the listing of the topic ``slug``."""
    return [topic(slug)]


def _slug_of(session: Session, topic_id: int) -> str:
    if (known := redis_client().hget(TOPIC_SLUGS, topic_id)) is not None:
        return known.decode()
    slug = session.connection().execute(select(Topic.slug).where(Topic.id == topic_id)).scalar() or ""
    redis_client().hset(TOPIC_SLUGS, topic_id, slug)
    return slug


def home_scope(session: Session) -> list[str]:
    """The versions of the home page: its own listings."""
    return [HOME]


def _changed(obj, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _old(obj, name: str) -> list:
    return [value for value in inspect(obj).attrs[name].history.deleted if value is not None]


def _scene_scopes(session: Session, scene: Scene) -> set[str]:
    topics = {scene.topic_id, *_old(scene, "topic_id")}
    scopes = {HOME, LISTINGS, owner(scene.owner_id), *(topic(_slug_of(session, topic_id)) for topic_id in topics)}
    return scopes | {scene_tree(session, scene.id, scene.head_segment_id, scene.forked_from_segment_id)}


def _segment_scopes(session: Session, segment: Segment, shown: bool) -> set[str]:
    """A segment shows on its tree's pages once it exists, changes status or is ready (checkpoints of one
    still generating show nowhere a page is kept: those pages are never kept)."""
    if not shown and not (segment.is_ready or _changed(segment, "status", "moderation_state")):
        return set()
    root = segment.id if segment.parent_id is None else root_of(session, segment.parent_id)
    scopes = {tree(root), f"tree:scene-{segment.scene_id}"}
    if not shown and _changed(segment, "moderation_state"):  # listings show each scene's newest segment or its slate
        headed = session.connection().execute(select(Scene.topic_id).where(Scene.head_segment_id == segment.id))
        topics = {topic(_slug_of(session, topic_id)) for topic_id in headed.scalars()}
        scopes |= {HOME, LISTINGS, *topics} if topics else set()
    return scopes


def scopes_of(session: Session, obj, shown: bool) -> set[str]:
    """The versions a change to ``obj`` touches; ``shown`` when it is new or deleted (always visible)."""
    if isinstance(obj, Scene):
        return _scene_scopes(session, obj)
    if isinstance(obj, Segment):
        return _segment_scopes(session, obj, shown)
    if isinstance(obj, BibleChange):
        return {tree(root_of(session, obj.segment_id))}
    if isinstance(obj, BibleEntity):
        return {tree(obj.root_segment_id)}
    if isinstance(obj, DirectorsCut) and (shown or _changed(obj, "status", "video_key")):
        return {scene_tree(session, obj.scene_id, obj.head_segment_id, None)}
    if isinstance(obj, Topic):
        return {ALL}
    if isinstance(obj, User):  # a new name (an erased account's) shows on every page naming its writer
        return {user(obj.id)} | ({ALL} if not shown and _changed(obj, "username") else set())
    return set()
