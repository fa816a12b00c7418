"""What the home and topic pages list: public scenes with something to watch.

Lists page by keyset (newest activity first, then id), never by offset: a page
costs the same however deep it is, and a scene that moves while someone reads
doesn't make them skip or repeat others.

Pages show ``SceneCard``s — plain values, so a listing can be cached whole in
Redis (``app.caching.cached_listing``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import and_, bindparam, literal, or_, select, union_all
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Scene, User, Visibility
from app.query import parse_id
from app.story.access import WITHHELD_PROMPT
from app.story.media_links import media_url


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the last scene's activity time and id (``"<iso time>~<id>"`` in URLs)."""

    updated_at: datetime
    scene_id: int

    def __str__(self) -> str:
        when = self.updated_at
        if when.tzinfo is not None:  # "…Z", not "+00:00": a "+" in a query string reads back as a space
            when = when.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"
        else:
            when = when.isoformat()
        return f"{when}~{self.scene_id}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """The cursor in ``text``, or None for the first page (a malformed cursor starts over)."""
        if not text or "~" not in text:
            return None
        when, _, scene_id = text.rpartition("~")
        if (scene_id := parse_id(scene_id)) is None:
            return None
        try:
            return cls(datetime.fromisoformat(when), scene_id)
        except ValueError:
            return None


@dataclass(frozen=True)
class SceneCard:
    """What a listing shows of a scene (named by its public id, as its URL is)."""

    public_id: str
    title: str
    topic: str
    owner: str
    segment_count: int
    duration: float
    is_fork: bool
    visibility: str
    thumb_url: str | None
    poster_url: str | None
    poster_width: int
    #: what the poster shows (the prompt of the newest segment), for its alt text
    poster_alt: str

    @classmethod
    def of(cls, scene: Scene) -> SceneCard:
        head = scene.head
        card = cls(public_id=scene.public_id, title=scene.title, topic=scene.topic.name, owner=scene.owner.username,
                   segment_count=scene.segment_count, duration=scene.total_duration,
                   is_fork=scene.forked_from_segment_id is not None, visibility=scene.visibility,
                   thumb_url=media_url(scene, head.thumb_key) if head else None,
                   poster_url=media_url(scene, head.poster_key) if head else None,
                   poster_width=head.width if head else 0, poster_alt=head.prompt if head else "")
        if head is None or head.moderation_state == "clear":
            return card
        from app.moderation.takedown import slate_poster_key  # the newest segment was taken out of view

        slate = media_url(scene, slate_poster_key(head))
        return replace(card, thumb_url=slate, poster_url=slate, poster_alt=WITHHELD_PROMPT)


@dataclass(frozen=True)
class ScenePage:
    cards: list[SceneCard]
    #: the cursor of the next page, None on the last one
    next: Cursor | None


def _with_card_data(stmt):
    return stmt.options(selectinload(Scene.head), selectinload(Scene.owner), selectinload(Scene.topic))


def _listed():
    return _with_card_data(
        select(Scene).where(Scene.visibility == Visibility.PUBLIC, Scene.head_segment_id.is_not(None),
                            Scene.hidden_at.is_(None)))


def recent_scenes(limit: int = 12, after: Cursor | None = None, topic_id: int | None = None) -> ScenePage:
    """Public scenes with a ready segment, newest activity first, starting after ``after``."""
    stmt = _listed()
    if topic_id is not None:
        stmt = stmt.where(Scene.topic_id == topic_id)
    return _page(stmt, limit, after)


def scenes_by(owner: User, after: Cursor | None = None, *, everything: bool = False, limit: int = 24) -> ScenePage:
    """``owner``'s public scenes — or, for the owner themselves (``everything``), all of them, unfinished too."""
    stmt = _with_card_data(select(Scene).where(Scene.owner_id == owner.id)) if everything else \
        _listed().where(Scene.owner_id == owner.id)
    return _page(stmt, limit, after)


def _page(stmt, limit: int, after: Cursor | None) -> ScenePage:
    stmt = stmt.order_by(Scene.updated_at.desc(), Scene.id.desc()).limit(limit + 1)
    if after is not None:
        stmt = stmt.where(or_(Scene.updated_at < after.updated_at,
                              and_(Scene.updated_at == after.updated_at, Scene.id < after.scene_id)))
    scenes = list(db.session.scalars(stmt))
    more = len(scenes) > limit
    scenes = scenes[:limit]
    return ScenePage([SceneCard.of(s) for s in scenes], Cursor(scenes[-1].updated_at, scenes[-1].id) if more else None)


def featured_scenes(limit: int = 4) -> list[SceneCard]:
    """The scenes the team features, newest choice first; then the stories people keep adding to: the
    longest public scenes, most recently active first among equals."""
    stmt = _listed().where(or_(Scene.featured_at.is_not(None), Scene.segment_count > 1)).order_by(
        Scene.featured_at.is_(None), Scene.featured_at.desc(), Scene.segment_count.desc(), Scene.updated_at.desc(),
        Scene.id.desc()).limit(limit)
    return [SceneCard.of(s) for s in db.session.scalars(stmt)]


def _up_next_statement():
    """The statement ``up_next`` runs, built once: its scene, topic and time are bound parameters."""
    same_topic = Scene.topic_id == bindparam("topic_id")
    other_topic = Scene.topic_id != bindparam("topic_id")
    earlier = Scene.updated_at <= bindparam("updated_at")
    choices = ((same_topic, earlier), (same_topic,), (other_topic, earlier), (other_topic,))
    found = [select(Scene.id.label("id"), literal(rank).label("rank"))
             .where(Scene.visibility == Visibility.PUBLIC, Scene.head_segment_id.is_not(None),
                    Scene.id != bindparam("scene_id"), *where)
             .order_by(Scene.updated_at.desc(), Scene.id.desc()).limit(1).subquery()
             for rank, where in enumerate(choices)]
    best = union_all(*(select(sub.c.id, sub.c.rank) for sub in found)).subquery()
    return select(Scene).join(best, Scene.id == best.c.id).order_by(best.c.rank).limit(1)


_UP_NEXT = _up_next_statement()


def up_next(scene: Scene) -> Scene | None:
    """The scene an end card offers after ``scene`` (one statement): a public scene of the same topic, the one
    active just before it first (else the most recently active), and failing those another topic's, the same
    way round.

    Each choice in order of preference is its own newest-first walk of a recency index that stops at the first
    row, and the statement takes the best one found; a single ORDER BY over the preferences would sort every
    public scene on each scene page.
    """
    params = {"scene_id": scene.id, "topic_id": scene.topic_id, "updated_at": scene.updated_at}
    return db.session.scalars(_UP_NEXT, params).first()
