"""Who may see and change what. Private scenes look like missing ones to everyone else.

The visibility rule for segments: **a segment is as visible as the most visible
scene that plays it.** A user may see a segment (its playlist, its media, fork
from it) when they may see at least one scene whose branch runs through it.
So:

- making a scene private hides every segment that only it plays, including
  the ones written after a fork point and any written later;
- segments it already shares with forks that others made while it was
  visible stay playable through those forks, so the forks never break;
- a fork can expose nothing past its fork point: the rest of the parent is
  not on its branch;
- private scenes can be forked only by their owner, and the fork is private
  too, so nobody else can carry private segments into view.

Scenes, segments and jobs are found by **reference**: their random public id,
which is the secret an unlisted link carries, or an old numeric id. Numeric
ids can be counted, so they find only what the user could find by listing:
public scenes, the segments a public scene plays and the jobs writing into a
public scene, and the user's own. Anything else named by number answers
exactly like an unknown id.

Moderation narrows it: a segment held for review, hidden or removed is seen only
by its writer and moderators; playlists through it show a slate in its place.

Media follows suit: a media key names its segment by public id, and the media
route serves a request without a signature only for media the user could find
by listing (``media_visible``); pages of unlisted and private scenes hand out
signed URLs.
"""
from __future__ import annotations

from functools import cache

from sqlalchemy import ColumnElement, Select, bindparam, exists, or_, select, true
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import GenerationJob, Scene, Segment, Visibility
from app.models.paths import scenes_playing

#: what a fork request naming a segment off the scene's branch (or one the caller can't see) is told
NOT_ON_BRANCH = "There is no such segment in this scene."
#: longer numbers could overflow a 64-bit key in the query, and no row has one: they name nothing
_MAX_ID_DIGITS = 18


class NotFound(LookupError):
    """Unknown, or not visible to this user (deliberately the same answer); ``message`` says so to an API
    caller (None: the site's usual words)."""

    def __init__(self, what: str = "", message: str | None = None):
        super().__init__(what)
        self.message = message


class Forbidden(PermissionError):
    """Visible, but this user may not do that; ``message`` says who may."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def can_moderate(user) -> bool:
    """Moderators (and admins) see everything and may act on anyone's work."""
    return _signed_in(user) and user.is_moderator


def owns(scene: Scene, user) -> bool:
    """Whether ``user`` owns ``scene``: renaming it, changing who sees it."""
    return _signed_in(user) and user.id == scene.owner_id


def can_edit(scene: Scene, user) -> bool:
    """Whether ``user`` may correct the scene's Bible: its owner or a moderator."""
    return owns(scene, user) or can_moderate(user)


def can_merge(scene: Scene, user) -> bool:
    """Whether ``user`` may merge a fork into ``scene``: its owner or a moderator."""
    return can_edit(scene, user)


def can_fork(scene: Scene, user) -> bool:
    """Whether ``user`` may fork ``scene``: a private scene only by its owner (its fork stays private)."""
    return scene.visibility != Visibility.PRIVATE or owns(scene, user)


def can_tend(segment: Segment, user) -> bool:
    """Whether ``user`` may retry or discard ``segment``: its writer, the scene's owner or a moderator."""
    return (_signed_in(user) and user.id == segment.author_id) or owns(segment.scene, user) or can_moderate(user)


def can_see_withheld(segment: Segment, user) -> bool:
    """Whether ``user`` may see a segment moderation holds, hides or removed: its writer or a moderator."""
    return (_signed_in(user) and user.id == segment.author_id) or can_moderate(user)


#: what people who may not read a withheld segment's prompt see in its place
WITHHELD_PROMPT = "Not shown: taken out of view by moderators."


def prompt_shown(segment, user) -> bool:
    """Whether ``user`` may read ``segment``'s prompt: anyone unless moderation took it out of view."""
    return segment.moderation_state == "clear" or can_see_withheld(segment, user)


def require_edit(scene: Scene, user) -> None:
    """Forbidden unless ``user`` may correct the scene's Bible (``can_edit``)."""
    if not can_edit(scene, user):
        raise Forbidden("Only the scene's owner or a moderator can correct its Bible.")


def lists_only_public(user) -> bool:
    """Whether lists show ``user`` exactly what they show readers: no moderator, and no scene of their own
    that isn't public (the one query this asks)."""
    if not _signed_in(user):
        return True
    if user.is_moderator:
        return False
    own = exists().where(Scene.owner_id == user.id, Scene.visibility != Visibility.PUBLIC)
    return not db.session.scalar(select(own))


def visible_to(user) -> ColumnElement[bool]:
    """SQL criterion: scenes ``user`` may see (``Scene.viewable_by`` as a WHERE clause)."""
    if _signed_in(user):
        if user.is_moderator:
            return true()
        return or_(Scene.visibility != Visibility.PRIVATE, Scene.owner_id == user.id)
    return Scene.visibility != Visibility.PRIVATE


def listed_to(user) -> ColumnElement[bool]:
    """SQL criterion: scenes ``user`` could find by listing (``Scene.listed_for`` as a WHERE clause)."""
    return listed_to_kind(viewer_kind(user), user.id if _signed_in(user) else None)


def viewer_kind(user) -> str:
    """What the listing rule tells viewers apart by: "moderator", "member" (signed in) or "reader"."""
    if not _signed_in(user):
        return "reader"
    return "moderator" if user.is_moderator else "member"


def listed_to_kind(kind: str, viewer_id) -> ColumnElement[bool]:
    """``listed_to`` for a ``viewer_kind``; ``viewer_id`` (a member's id, or a bound parameter standing for it,
    for a statement built once per kind) is used for members only."""
    if kind == "moderator":
        return true()
    if kind == "member":
        return or_(Scene.visibility == Visibility.PUBLIC, Scene.owner_id == viewer_id)
    return Scene.visibility == Visibility.PUBLIC


def segment_viewable(segment: Segment, user) -> bool:
    """The rule above: the scene that wrote it is visible, or some visible scene plays it."""
    return _seen_through(segment, user, segment.scene.viewable_by, visible_to)


def segment_listed(segment: Segment, user) -> bool:
    """Whether ``user`` could find the segment by listing: a public scene (or one of theirs) plays it."""
    return _seen_through(segment, user, segment.scene.listed_for, listed_to)


def _seen_through(segment: Segment, user, scene_rule, sql_rule) -> bool:
    if segment.moderation_state != "clear" and not can_see_withheld(segment, user):
        return False  # held, hidden or removed: its writer and moderators only
    if scene_rule(user):
        return True
    if not segment.is_ready:
        return False
    return bool(db.session.scalar(select(exists(scenes_playing(segment.id).where(sql_rule(user)).subquery()))))


def carrier_scene(segment: Segment, user, preferred_ref: str | None = None) -> Scene:
    """A scene ``user`` may see that plays ``segment``: the one ``preferred_ref`` names when it does, else
    the writer's."""
    if preferred_ref:
        preferred = lookup(Scene, preferred_ref)
        if preferred is not None and preferred.id != segment.scene_id:
            scene = db.session.scalar(scenes_playing(segment.id).where(Scene.id == preferred.id,
                                                                       _scene_rule(preferred_ref, user)))
            if scene is not None:
                return scene
    if segment.scene.viewable_by(user):
        return segment.scene
    scene = db.session.scalars(scenes_playing(segment.id).where(visible_to(user)).order_by(Scene.id)).first()
    if scene is None:
        raise NotFound(f"segment {segment.id}")
    return scene


def plays(scene: Scene, segment: Segment) -> bool:
    """Whether ``segment`` is on ``scene``'s branch (the scene's head is it or grew from it)."""
    return bool(db.session.scalar(select(exists(scenes_playing(segment.id).where(Scene.id == scene.id).subquery()))))


def fork_point(scene: Scene, ref, user) -> Segment:
    """The segment ``ref`` names on ``scene``'s branch, when ``user`` may see it: where a fork of it may start."""
    segment = seen_segment(ref, user)
    if segment is None or not plays(scene, segment):
        raise NotFound(f"segment {ref}", NOT_ON_BRANCH)
    return segment


def is_numeric(ref) -> bool:
    """Whether ``ref`` is an old sequential id rather than a public id."""
    return str(ref).isascii() and str(ref).isdigit()


#: what every page or read of a row shows with it, read in the row's own statement (a scene's topic and owner)
_SHOWN_WITH = {Scene: (joinedload(Scene.topic), joinedload(Scene.owner))}


def _shown_with(model) -> tuple:
    """The relations a row of ``model`` is read with, whichever way it is looked up."""
    return _SHOWN_WITH.get(model, ())


def lookup(model, ref):
    """The row of ``model`` (Scene, Segment, GenerationJob) that ``ref`` names, visible or not; None when
    none does. Callers apply the access rule: stricter for numeric references (``is_numeric``)."""
    ref = str(ref)
    if is_numeric(ref):
        return db.session.get(model, int(ref), options=_shown_with(model)) if len(ref) <= _MAX_ID_DIGITS else None
    if not ref or len(ref) > 32:
        return None
    return db.session.scalar(_by_public_id(model), {"ref": ref})


@cache
def _by_public_id(model) -> Select:
    """The statement ``lookup`` reads a row of ``model`` by its public id with (built once per model: most reads
    start with it)."""
    return select(model).where(model.public_id == bindparam("ref")).options(*_shown_with(model))


def _scene_rule(ref, user) -> ColumnElement[bool]:
    return listed_to(user) if is_numeric(ref) else visible_to(user)


def visible_scene(ref: str | int, user) -> Scene:
    """The scene ``ref`` names, when ``user`` may see it (by number: when they could find it by listing)."""
    scene = lookup(Scene, ref)
    if scene is None or not (scene.listed_for(user) if is_numeric(ref) else scene.viewable_by(user)):
        raise NotFound(f"scene {ref}", "There is no scene with that id.")
    return scene


def visible_segment(ref: str | int, user) -> Segment:
    """The segment ``ref`` names, when ``user`` may see it (by number: when they could find it by listing)."""
    segment = lookup(Segment, ref)
    if segment is None or not (segment_listed if is_numeric(ref) else segment_viewable)(segment, user):
        raise NotFound(f"segment {ref}", "There is no segment with that id.")
    return segment


def visible_job(ref: str | int, user) -> GenerationJob:
    """The generation job ``ref`` names, when ``user`` may see the scene it writes into (by number: list)."""
    job = lookup(GenerationJob, ref)
    scene = job.segment.scene if job is not None else None
    if scene is None or not (scene.listed_for(user) if is_numeric(ref) else scene.viewable_by(user)):
        raise NotFound(f"job {ref}", "There is no job with that id.")
    return job


def seen_segment(ref, user) -> Segment | None:
    """The segment a writer says they continued after: None when ``ref`` is empty or names nothing they may
    see (so a continuation after it reads as "the scene moved on")."""
    if ref is None or ref == "" or isinstance(ref, bool):
        return None
    try:
        return visible_segment(ref, user)
    except NotFound:
        return None


def media_visible(key: str, user) -> bool:
    """Whether ``user`` may fetch the media under ``key`` (``segments/<segment ref>/...``) without a
    signature: when they could find its segment by listing."""
    parts = key.split("/")
    if len(parts) == 3 and parts[0] == "topics":  # topic covers are as public as the topic list
        return True
    if len(parts) >= 3 and parts[0] == "slates":
        return True  # the cards shown in place of removed or held segments
    if len(parts) < 3 or parts[0] != "segments":
        return False
    segment = lookup(Segment, parts[1])
    return segment is not None and segment_listed(segment, user)

