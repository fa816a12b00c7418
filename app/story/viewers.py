"""Which signed-in viewers see a page alike, so that one kept shell serves them all (``app.pages``).

A listing page (home, a topic) shows every member the same scenes. A story's pages (a scene, its watch
page, Bible and API reads, the story tree) show a member what they show every member unless the member
owns a scene in that story tree: its owner gets its settings and merge buttons, and a writer's own
unlisted or private forks appear in their fork lists and tree. Those viewers get shells of their own;
moderators, who see every withheld segment and every fork, get every page built for them.

Which story trees a viewer owns scenes in is kept in Redis under the version of their scenes (the
``owner:<id>`` scope in ``app.cache_versions``), so a new fork or a scene made private shows at once.
"""
from __future__ import annotations

import json

from flask import g
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import cache_versions as versions
from app.extensions import redis_client
from app.models import Scene
from app.pages import MEMBER, own_class

#: how long a viewer's own story trees are remembered when none of their scenes changes meanwhile
OWN_TREES_SECONDS = 3600


def everyone(session: Session, user, scopes: list[str]) -> str:
    """Listing pages: every signed-in viewer sees the same page."""
    return MEMBER


def story_viewers(session: Session, user, scopes: list[str]) -> str | None:
    """A story's pages: every member alike, but their own for viewers who own a scene in the story tree, and
    built every time for moderators."""
    if user.is_moderator:
        return None
    return own_class(user.id) if set(scopes) & own_trees(session, user.id) else MEMBER


def own_trees(session: Session, user_id: int) -> set[str]:
    """The tree versions (``tree:<root>``) of every scene ``user_id`` owns."""
    read = g.pop("own_trees", None)  # read with the viewer's row (app.caching.known_user)
    if read is None or read[0] != user_id:
        read = (user_id, *versions.kept_under((versions.owner(user_id), versions.own_trees_prefix(user_id)))[0])
    _, version, known = read
    if known is not None:
        return set(json.loads(known))
    rows = session.execute(select(Scene.id, Scene.head_segment_id, Scene.forked_from_segment_id)
                           .where(Scene.owner_id == user_id)).all()
    trees = sorted({versions.scene_tree(session, *row) for row in rows})
    redis_client().set(f"{versions.own_trees_prefix(user_id)}{version}", json.dumps(trees), ex=OWN_TREES_SECONDS)
    return set(trees)
