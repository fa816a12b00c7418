"""Seeding jobs on the `default` queue."""
from __future__ import annotations

from app.extensions import db
from app.seeding.demo import advance_demo_scene as advance


def advance_demo_scene(scene_id: int, branch: str, checks: int = 0) -> str:
    """Write the next step of a demo scene once its newest segment is ready."""
    try:
        return advance(scene_id, branch, checks)
    finally:
        db.session.remove()
