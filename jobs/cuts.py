"""Media jobs on the `media` queue."""
from __future__ import annotations

from app.extensions import db
from app.story.cuts import make_cut as run_cut


def make_cut(cut_id: int) -> None:
    """Stitch DirectorsCut ``cut_id`` into its MP4."""
    try:
        run_cut(cut_id)
    finally:
        db.session.remove()
