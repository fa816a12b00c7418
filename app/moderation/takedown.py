"""Taking a segment out of view, and putting it back, everywhere it plays.

Segments are shared by every branch that runs through them, so an action on one reaches
every fork: playlists show a slate in its place (``moderation_slate``), cached playlists,
branch downloads and director's cuts that contain it are dropped (made again on request,
with the slate), and ``CDN_PURGE_URL`` is told its URLs.

- *hide* is reversible and keeps the media; *unhide* undoes it;
- *remove* moves the media to ``quarantine/`` (never served; kept ``QUARANTINE_DAYS`` for an
  appeal or a copyright counter-notice) and mails the writer and the owners of branches through it;
- *restore* brings quarantined media back.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

import requests
from flask import current_app
from sqlalchemy import select

from app.caching import playlist_key
from app.extensions import cache, db, storage
from app.mail import public_url, send_mail
from app.models import DirectorsCut, Scene, Segment, User
from app.models.base import utcnow
from app.models.moderation import ModerationState
from app.models.paths import scenes_playing, segment_path
from app.moderation.slates import Slate, ensure_slate, slate_kind, slate_prefix, stored_slate

log = logging.getLogger(__name__)


def moderation_slate(segment: Segment) -> Slate | None:
    """The slate played in place of ``segment`` (None when it was never made)."""
    cfg = current_app.config
    return stored_slate(storage(), slate_kind(segment.moderation_state), segment.width, segment.height, segment.fps,
                        cfg["HLS_FORMAT"])


def slate_poster_key(segment: Segment) -> str:
    """The poster of the slate standing in for ``segment`` (made before moderation took it out of view)."""
    kind = slate_kind(segment.moderation_state)
    return slate_prefix(kind, segment.width, segment.height, segment.fps, current_app.config["HLS_FORMAT"]) + "poster.jpg"


def prepare_slate(segment: Segment, state: str) -> Slate:
    cfg = current_app.config
    return ensure_slate(storage(), slate_kind(state), segment.width, segment.height, segment.fps, cfg["HLS_FORMAT"],
                        preset=cfg["X264_PRESET"])


def quarantine_prefix(segment: Segment) -> str:
    return f"quarantine/{segment.public_id}/"


def hide(segment: Segment) -> list[Scene]:
    """Take the segment out of everyone's view but its writer's and moderators' (media kept)."""
    prepare_slate(segment, ModerationState.HIDDEN)
    segment.moderation_state = ModerationState.HIDDEN.value
    return forget_branches(segment)


def hold(segment: Segment) -> None:
    """Mark a newly checked segment as waiting for a moderator (its slate ready for the playlists)."""
    prepare_slate(segment, ModerationState.HELD)
    segment.moderation_state = ModerationState.HELD.value


def unhide(segment: Segment) -> list[Scene]:
    """Show a held or hidden segment to everyone again."""
    segment.moderation_state = ModerationState.CLEAR.value
    return forget_branches(segment)


def remove(segment: Segment, reason: str) -> list[Scene]:
    """Take the segment down: quarantine its media, slate it in every branch, tell the people concerned.

    Returns the scenes whose branches run through it. The caller commits (with its audit entry).
    """
    prepare_slate(segment, ModerationState.REMOVED)
    store = storage()
    moved = []
    for key in store.list(segment.media_prefix) if segment.media_prefix else []:
        target = quarantine_prefix(segment) + key[len(segment.media_prefix):]
        store.put_file(target, store.local_copy(key, _work_dir()), None)
        moved.append(key)
    urls = [store.url(key) for key in moved]
    for key in moved:
        store.delete(key)
    segment.moderation_state = ModerationState.REMOVED.value
    segment.moderation = {**(segment.moderation or {}), "removed_at": utcnow().isoformat()}
    scenes = forget_branches(segment)
    purge_cdn(urls)
    _tell_people(segment, scenes, reason)
    return scenes


def restore(segment: Segment) -> list[Scene]:
    """Bring a removed segment's quarantined media back and show it again."""
    store = storage()
    prefix = quarantine_prefix(segment)
    for key in store.list(prefix):
        store.put_file(segment.media_prefix + key[len(prefix):], store.local_copy(key, _work_dir()), None)
    store.delete_prefix(prefix)
    segment.moderation_state = ModerationState.CLEAR.value
    return forget_branches(segment)


def purge_expired_quarantine() -> int:
    """Delete the quarantined media of segments removed more than QUARANTINE_DAYS ago; returns how many. Commits."""
    cutoff = utcnow() - timedelta(days=current_app.config["QUARANTINE_DAYS"])
    store, purged = storage(), 0
    for segment in db.session.scalars(select(Segment).where(Segment.moderation_state == ModerationState.REMOVED.value)):
        record = segment.moderation or {}
        removed_at = record.get("removed_at")
        if not removed_at or record.get("quarantine_purged") or datetime.fromisoformat(removed_at) > cutoff:
            continue
        store.delete_prefix(quarantine_prefix(segment))
        segment.moderation = {**record, "quarantine_purged": utcnow().isoformat()}
        purged += 1
    db.session.commit()
    return purged


def forget_branches(segment: Segment) -> list[Scene]:
    """Drop what was made from branches through ``segment``: cached playlists (the branch's and each version
    of it that plays ``segment``, ``?head=``), MP4 downloads, director's cuts."""
    store = storage()
    scenes = list(db.session.scalars(scenes_playing(segment.id)))
    for scene in scenes:
        versions = [s.id for s in segment_path(scene.head_segment_id) if s.position >= segment.position]
        cache.delete_many(*(playlist_key(scene.id, head_id, visibility) for head_id in versions
                            for visibility in ("public", "unlisted", "private")))
        if scene.head is not None:
            store.delete(f"branches/{scene.head.public_id}.mp4")
    cuts = db.session.scalars(select(DirectorsCut).where(DirectorsCut.scene_id.in_([s.id for s in scenes]))).all()
    for cut in cuts:
        if cut.video_key:
            store.delete(cut.video_key)
        db.session.delete(cut)
    return scenes


def purge_cdn(urls: list[str]) -> None:
    """POST the URLs to ``CDN_PURGE_URL`` when one is configured (best effort: the media is gone already)."""
    endpoint = current_app.config.get("CDN_PURGE_URL")
    if not endpoint or not urls:
        return
    try:
        requests.post(endpoint, json={"urls": urls}, timeout=10).raise_for_status()
    except requests.RequestException:
        log.warning("CDN purge of %d URLs failed", len(urls), exc_info=True)


def _tell_people(segment: Segment, scenes: list[Scene], reason: str) -> None:
    writer = segment.author
    send_mail(writer.email, "A segment you wrote was removed",
              f"Hello {writer.username},\n\nYour segment \"{_short(segment.prompt)}\" was removed from StoryForge.\n"
              f"Reason: {reason}\n\nIf you think this was a mistake, you can appeal from your account page:\n"
              f"{public_url('moderation.appeals')}\n")
    owners = {scene.owner_id: scene for scene in scenes if scene.owner_id != writer.id}
    for owner_id, scene in owners.items():
        owner = db.session.get(User, owner_id)
        send_mail(owner.email, f"A segment in \"{scene.title}\" was removed",
                  f"Hello {owner.username},\n\nA segment your scene \"{scene.title}\" plays was removed "
                  f"(\"{_short(segment.prompt)}\").\nThe scene still plays; a short slate stands in its place.\n"
                  f"{public_url('scenes.show', scene_ref=scene.public_id)}\n")


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _work_dir() -> Path:
    return Path(current_app.config["WORK_DIR"]) / "takedown"
