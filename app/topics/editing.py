"""Topics as the team keeps them: created, edited (an old slug keeps redirecting), ordered, archived,
and given a cover picture that is checked and resized on the way in."""
from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select

from app import audit
from app.console import ConsoleError
from app.extensions import db, storage
from app.models import Topic, TopicRedirect, User
from app.models.base import utcnow
from app.text import TextRefused, clean_text

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
MOTIFS = ("stars", "city", "waves", "forest", "mountains", "sun", "moon", "grid")
#: covers are stored at this size (the 2:1 shape topic art has), cropped to fill
COVER_SIZE = (960, 480)
COVER_MIN = (320, 160)
COVER_MAX_BYTES = 5 * 1024 * 1024
COVER_FORMATS = {"JPEG", "PNG", "WEBP"}


@dataclass(frozen=True)
class TopicDraft:
    """What a topic form (or the API) asks for; None leaves a field as it is when editing."""

    name: str | None = None
    slug: str | None = None
    description: str | None = None
    hue: int | None = None
    motif: str | None = None


def resolve_slug(slug: str) -> tuple[Topic | None, bool]:
    """The topic ``slug`` names now, and whether it was one of its old slugs (the caller redirects)."""
    topic = db.session.scalar(select(Topic).where(Topic.slug == slug))
    if topic is not None:
        return topic, False
    moved = db.session.scalar(select(TopicRedirect).where(TopicRedirect.old_slug == slug))
    return (db.session.get(Topic, moved.topic_id), True) if moved else (None, False)


def _clean(draft: TopicDraft, topic: Topic | None) -> dict:
    values: dict = {}
    if draft.name is not None or topic is None:
        try:
            name = clean_text(draft.name or "", "name")
        except TextRefused as err:
            raise ConsoleError(err.message, "name") from None
        if not name or len(name) > 80:
            raise ConsoleError("Give the topic a name of 1 to 80 characters.", "name")
        values["name"] = name
    if draft.slug is not None or topic is None:
        slug = (draft.slug or "").strip().lower()
        if not SLUG.match(slug):
            raise ConsoleError("A slug is 1 to 64 lowercase letters, digits and dashes, not starting or ending "
                               "with a dash (“space-opera”).", "slug")
        taken = db.session.scalar(select(Topic.id).where(Topic.slug == slug))
        old = db.session.scalar(select(TopicRedirect.topic_id).where(TopicRedirect.old_slug == slug))
        if (taken is not None and (topic is None or taken != topic.id)) or \
                (old is not None and (topic is None or old != topic.id)):
            raise ConsoleError(f"“{slug}” is already used by another topic (or was, and still redirects there).", "slug")
        values["slug"] = slug
    if draft.description is not None or topic is None:
        try:
            description = clean_text(draft.description or "", "description")
        except TextRefused as err:
            raise ConsoleError(err.message, "description") from None
        if len(description) > 500:
            raise ConsoleError("Keep the description to 500 characters or fewer.", "description")
        values["description"] = description
    if draft.hue is not None:
        if not 0 <= draft.hue <= 359:
            raise ConsoleError("The hue is a number from 0 to 359.", "hue")
        values["hue"] = draft.hue
    if draft.motif is not None:
        if draft.motif not in MOTIFS:
            raise ConsoleError(f"Choose a motif: {', '.join(MOTIFS)}.", "motif")
        values["motif"] = draft.motif
    return values


def _state(topic: Topic) -> dict:
    return {"name": topic.name, "slug": topic.slug, "description": topic.description, "hue": topic.hue,
            "motif": topic.motif, "position": topic.position, "archived": topic.archived}


def create_topic(actor: User, draft: TopicDraft, reason: str = "") -> Topic:
    values = _clean(draft, None)
    last = db.session.scalar(select(func.max(Topic.position)))
    topic = Topic(**values, position=(last + 1) if last is not None else 0)
    db.session.add(topic)
    db.session.flush()
    audit.record(actor, "topic.create", "topic", topic.id, reason or "new topic", after=_state(topic))
    db.session.commit()
    return topic


def edit_topic(actor: User, topic: Topic, draft: TopicDraft, reason: str = "") -> Topic:
    """Change what ``draft`` gives; a new slug leaves the old one redirecting here."""
    values = _clean(draft, topic)
    before = _state(topic)
    if values.get("slug", topic.slug) != topic.slug:
        db.session.execute(TopicRedirect.__table__.delete().where(TopicRedirect.old_slug == values["slug"]))
        db.session.add(TopicRedirect(old_slug=topic.slug, topic_id=topic.id))
    for name, value in values.items():
        setattr(topic, name, value)
    audit.record(actor, "topic.edit", "topic", topic.id, reason or "edited", before=before, after=_state(topic))
    db.session.commit()
    return topic


def place_topic(actor: User, topic: Topic, index: int) -> None:
    """Put ``topic`` at ``index`` (0 first) in the order topics are listed; the others close up around it."""
    ordered = [t for t in db.session.scalars(select(Topic).order_by(Topic.position, Topic.name)) if t.id != topic.id]
    index = max(0, min(index, len(ordered)))
    before = topic.position
    ordered.insert(index, topic)
    for position, each in enumerate(ordered):
        each.position = position
    audit.record(actor, "topic.reorder", "topic", topic.id, "reordered", before={"position": before},
                 after={"position": index})
    db.session.commit()


def move_topic(actor: User, topic: Topic, step: int) -> None:
    """One place earlier (``step`` -1) or later (+1)."""
    ordered = list(db.session.scalars(select(Topic.id).order_by(Topic.position, Topic.name)))
    place_topic(actor, topic, ordered.index(topic.id) + step)


def archive_topic(actor: User, topic: Topic, archived: bool, reason: str = "") -> None:
    """Archived topics leave the lists and take no new scenes; their scenes stay where they are."""
    if topic.archived == archived:
        raise ConsoleError(f"{topic.name} is already {'archived' if archived else 'listed'}.")
    audit.record(actor, "topic.archive" if archived else "topic.unarchive", "topic", topic.id,
                 reason or ("archived" if archived else "restored"), before={"archived": not archived},
                 after={"archived": archived})
    topic.archived_at = utcnow() if archived else None
    db.session.commit()


def cover_image(data: bytes) -> bytes:
    """The uploaded picture as the stored cover (JPEG, ``COVER_SIZE``, cropped to fill), or ConsoleError."""
    if not data:
        raise ConsoleError("Choose a picture to upload.", "cover")
    if len(data) > COVER_MAX_BYTES:
        raise ConsoleError(f"That picture is {len(data) / 1048576:.1f} MB; the most is 5 MB.", "cover")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ConsoleError("That file isn't a picture we can read: upload a JPEG, PNG or WebP.", "cover") from None
    if kind not in COVER_FORMATS:
        raise ConsoleError(f"{kind} pictures aren't accepted: upload a JPEG, PNG or WebP.", "cover")
    if image.width < COVER_MIN[0] or image.height < COVER_MIN[1]:
        raise ConsoleError(f"That picture is {image.width}×{image.height}; covers need at least "
                           f"{COVER_MIN[0]}×{COVER_MIN[1]} pixels.", "cover")
    image = ImageOps.fit(ImageOps.exif_transpose(image).convert("RGB"), COVER_SIZE, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue()


def set_cover(actor: User, topic: Topic, data: bytes) -> str:
    """Check, resize and store an uploaded picture as ``topic``'s cover; returns its storage key."""
    return store_cover(actor, topic, cover_image(data))


def store_cover(actor: User, topic: Topic, cover: bytes) -> str:
    """Store ``cover`` (made by ``cover_image``) for ``topic``, removing the old one; returns its storage key."""
    key = f"topics/{topic.id}/cover-{secrets.token_hex(6)}.jpg"
    storage().put(key, cover, "image/jpeg")
    old = topic.cover_key
    audit.record(actor, "topic.cover", "topic", topic.id, "new cover", before={"cover": old}, after={"cover": key})
    topic.cover_key = key
    db.session.commit()
    if old:
        storage().delete(old)
    return key
