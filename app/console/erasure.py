"""A person's data on request: everything they made, as a ZIP; and their account, erased.

Erasing follows the rule for making a scene private (``app.story.access``): segments that other people's
forks play stay playable through those forks. So a deleted person's scenes that someone else's scene
grows from are kept — private, hidden, and renamed — and every other scene of theirs goes with its
segments, jobs and media. Segments they wrote into other people's scenes belong to those stories and stay.
The account row stays only as a nameless anchor for what remains: its email, name, password, sessions,
tokens, sign-ins and feedback are gone.
"""
from __future__ import annotations

import io
import json
import secrets
import zipfile
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from app import audit
from app.auth import throttle
from app.console import ConsoleError, require_reason
from app.extensions import db, storage
from app.models import ApiToken, Feedback, Role, Scene, Segment, SignIn, User, Visibility
from app.models.base import utcnow
from app.story.media_links import media_url

DELETED_DOMAIN = "deleted.invalid"
KEPT_SCENE_TITLE = "A removed scene"


# --- export ------------------------------------------------------------------------------------

def _absolute(url: str | None) -> str | None:
    if url and url.startswith("/"):
        return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url
    return url


def _segment_record(segment: Segment) -> dict:
    scene = segment.scene
    return {
        "id": segment.public_id, "scene": scene.public_id, "position": segment.position, "status": segment.status,
        "prompt": segment.prompt, "expanded_prompt": segment.expanded_prompt, "provider": segment.provider,
        "duration": segment.duration, "created_at": segment.created_at.isoformat(),
        "media": {kind: _absolute(media_url(scene, key)) for kind, key in (
            ("video", segment.video_key), ("poster", segment.poster_key), ("thumbnail", segment.thumb_key),
            ("playlist", segment.playlist_key)) if key},
    }


def export_account(user: User) -> bytes:
    """A ZIP of the account, its scenes with their segments' prompts and media links, the segments it wrote
    anywhere, its sign-ins, API tokens (names, never secrets) and feedback."""
    segments = list(db.session.scalars(select(Segment).options(selectinload(Segment.scene))
                                       .where(Segment.author_id == user.id).order_by(Segment.id)))
    scenes = list(db.session.scalars(select(Scene).options(selectinload(Scene.topic))
                                     .where(Scene.owner_id == user.id).order_by(Scene.id)))
    own = list(db.session.scalars(select(Segment).options(selectinload(Segment.scene))
                                  .where(Segment.scene_id.in_([s.id for s in scenes])).order_by(Segment.position)))
    by_scene: dict[int, list[dict]] = {}
    for segment in own:
        by_scene.setdefault(segment.scene_id, []).append(_segment_record(segment))
    files = {
        "account.json": {"username": user.username, "email": user.email, "role": user.role,
                         "created_at": user.created_at.isoformat(),
                         "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None},
        "scenes.json": [{"id": s.public_id, "title": s.title, "topic": s.topic.name, "visibility": s.visibility,
                         "created_at": s.created_at.isoformat(), "forked": s.forked_from_segment_id is not None,
                         "segments": by_scene.get(s.id, [])} for s in scenes],
        "segments.json": [_segment_record(s) for s in segments],
        "sign_ins.json": [{"at": s.at.isoformat(), "address": s.address} for s in
                          db.session.scalars(select(SignIn).where(SignIn.user_id == user.id).order_by(SignIn.id))],
        "api_tokens.json": [{"name": t.name, "starts_with": t.display_prefix, "created_at": t.created_at.isoformat(),
                             "revoked": t.revoked_at is not None} for t in user.tokens],
        "feedback.json": [{"message": f.message, "page": f.page_url, "sent_at": f.created_at.isoformat()} for f in
                          db.session.scalars(select(Feedback).where(Feedback.user_id == user.id).order_by(Feedback.id))],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", f"The StoryForge data of {user.username}, exported {utcnow():%Y-%m-%d %H:%M} UTC.\n"
                         "Media links to private scenes are signed and stop working after a while.\n")
        for name, content in files.items():
            archive.writestr(name, json.dumps(content, indent=2, ensure_ascii=False))
    return buffer.getvalue()


# --- deletion ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Erasure:
    """What deleting an account does: scenes that go, scenes kept for others' forks, others' forks that keep playing."""

    deleted_scene_ids: list[int]
    kept_scene_ids: list[int]
    forks_by_others: int
    segments_in_others_scenes: int


def _depends_on(scene_ids: list[int]) -> dict[int, set[int]]:
    """For each scene in ``scene_ids``, the other scenes that grow from one of its segments."""
    if not scene_ids:
        return {}
    parent = db.aliased(Segment)
    child = db.aliased(Segment)
    rows = db.session.execute(
        select(parent.scene_id, child.scene_id).join(child, child.parent_id == parent.id)
        .where(parent.scene_id.in_(scene_ids), child.scene_id != parent.scene_id)
        .union(select(Segment.scene_id, Scene.id).join(Scene, Scene.forked_from_segment_id == Segment.id)
               .where(Segment.scene_id.in_(scene_ids), Scene.id != Segment.scene_id))
    ).all()
    found: dict[int, set[int]] = {}
    for source, dependant in rows:
        found.setdefault(source, set()).add(dependant)
    return found


def plan_erasure(user: User) -> Erasure:
    owned = list(db.session.scalars(select(Scene.id).where(Scene.owner_id == user.id)))
    dependants = _depends_on(owned)
    mine = set(owned)
    kept = {s for s, others in dependants.items() if others - mine}
    changed = True
    while changed:  # a scene of theirs that a kept scene of theirs grows from stays too
        changed = False
        for source, others in dependants.items():
            if source not in kept and others & kept:
                kept.add(source)
                changed = True
    others_forks = {d for s in kept for d in dependants.get(s, ()) if d not in mine}
    in_others = db.session.scalar(select(func.count(Segment.id)).join(Scene, Scene.id == Segment.scene_id)
                                  .where(Segment.author_id == user.id, Scene.owner_id != user.id))
    return Erasure(deleted_scene_ids=sorted(mine - kept, reverse=True), kept_scene_ids=sorted(kept),
                   forks_by_others=len(others_forks), segments_in_others_scenes=in_others or 0)


def delete_account(actor: User, user: User, reason: str, confirm: str) -> Erasure:
    """Erase ``user`` (``confirm`` must repeat the username); returns what was done."""
    reason = require_reason(reason)
    if actor.id == user.id:
        raise ConsoleError("You can't delete your own account from here; ask another admin.")
    if confirm.strip() != user.username:
        raise ConsoleError(f"Type the username ({user.username}) to confirm.", "confirm")
    plan = plan_erasure(user)
    prefixes = list(db.session.scalars(select(Segment.media_prefix).where(
        Segment.scene_id.in_(plan.deleted_scene_ids), Segment.media_prefix != "")))
    audit.record(actor, "user.delete", "user", user.id, reason,
                 after={"scenes_deleted": len(plan.deleted_scene_ids), "scenes_kept": len(plan.kept_scene_ids),
                        "forks_by_others": plan.forks_by_others})
    for scene in db.session.scalars(select(Scene).where(Scene.id.in_(plan.kept_scene_ids))):
        scene.title, scene.visibility, scene.hidden_at, scene.featured_at = \
            KEPT_SCENE_TITLE, Visibility.PRIVATE.value, utcnow(), None
    for scene_id in plan.deleted_scene_ids:  # newest first: a fork goes before the scene it grew from
        db.session.delete(db.session.get(Scene, scene_id))
        db.session.flush()
    db.session.execute(delete(SignIn).where(SignIn.user_id == user.id))
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.execute(delete(Feedback).where(Feedback.user_id == user.id))
    user.username, user.email = f"deleted-{user.id}", f"deleted-{user.id}@{DELETED_DOMAIN}"
    user.set_password(secrets.token_urlsafe(32))
    user.role, user.last_login_at = Role.USER.value, None
    user.suspended_at, user.suspension_reason = utcnow(), "This account was deleted."
    user.end_sessions()
    db.session.commit()
    throttle.forget_account(throttle.account_key(user.id, ""))
    for prefix in prefixes:
        storage().delete_prefix(prefix)
    return plan
