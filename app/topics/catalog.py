"""Reading and seeding topics."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Topic

SEED_TOPICS = [
    ("space-opera", "Space Opera", "Starships, strange worlds and crews far from home.", 250, "stars"),
    ("noir-city", "Noir City", "Rain, neon and secrets in a city that never sleeps.", 280, "city"),
    ("deep-sea", "Deep Sea", "Light fades, pressure builds, and something glows below.", 200, "waves"),
    ("enchanted-forest", "Enchanted Forest", "Old trees, small magic and paths that move at night.", 130, "forest"),
    ("mountain-quest", "Mountain Quest", "Climbs, storms and what waits at the summit.", 30, "mountains"),
    ("desert-caravan", "Desert Caravan", "Dunes, mirages and the long road between oases.", 40, "sun"),
    ("haunted-manor", "Haunted Manor", "Creaking floors, portraits that watch, candles that go out.", 300, "moon"),
    ("retro-arcade", "Retro Arcade", "Pixel heroes, glitching levels and one more coin.", 320, "grid"),
    ("everyday-wonders", "Everyday Wonders", "Small moments, kitchens, buses and quiet magic.", 170, "sun"),
    ("time-travel", "Time Travel", "Paradoxes, loops and meeting yourself at breakfast.", 190, "grid"),
]


def list_topics(limit: int | None = None, *, archived: bool = False) -> list[Topic]:
    """Topics in their order; archived ones only when ``archived``."""
    stmt = select(Topic).order_by(Topic.position, Topic.name)
    if not archived:
        stmt = stmt.where(Topic.archived_at.is_(None))
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def topic_by_slug(slug: str) -> Topic | None:
    return db.session.scalar(select(Topic).where(Topic.slug == slug))


def seed_topics() -> int:
    """Create the starter topics that don't exist yet; returns how many were added."""
    existing = set(db.session.scalars(select(Topic.slug)))
    added = 0
    for position, (slug, name, description, hue, motif) in enumerate(SEED_TOPICS):
        if slug in existing:
            continue
        db.session.add(Topic(slug=slug, name=name, description=description, hue=hue, motif=motif, position=position))
        added += 1
    db.session.commit()
    return added
