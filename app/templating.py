"""What every template may call besides Flask's own: media URLs, durations, continuity in words, vendored packages."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from app.continuity.injection import InjectedEntry, continuity_note
from app.pages import viewer_name
from app.story import continuity_words
from app.story.media_links import media_url


def clock(seconds: float | None) -> str:
    """5.0 → "0:05", 125 → "2:05": durations as people read them."""
    whole = round(seconds or 0)
    return f"{whole // 60}:{whole % 60:02d}"


def continuity_notes(segment) -> list[str]:
    """“C1 Mara — red hair — matched 'Mara's'” for each Bible entry injected into the segment's prompt."""
    entries = segment.planned.injected
    return [continuity_note(InjectedEntry.from_dict(e)) for e in entries]


def has_vendor(name: str) -> bool:
    """Whether a front-end package was installed into static/vendor (the pages fall back without it)."""
    return (Path(current_app.static_folder) / "vendor" / name).is_file()


def init_app(app: Flask) -> None:
    app.add_template_filter(clock, "clock")
    app.add_template_global(media_url, "media_url")
    app.add_template_global(continuity_words.in_words, "continuity_words")
    app.add_template_global(continuity_words.scene_in_words, "scene_continuity_words")
    app.add_template_global(continuity_notes, "continuity_notes")
    app.add_template_global(has_vendor, "has_vendor")
    app.add_template_global(viewer_name, "viewer_name")
