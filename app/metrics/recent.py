"""The vital signs as the dashboard shows them: computed at most once a ``VITAL_SIGNS_CACHE_SECONDS``.

On the scale world the figures take about a hundred milliseconds of SQL; the people who open the
dashboard every morning (and reload it) share one computation a minute, and "Refresh" asks for a new one.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from app.extensions import cache
from app.metrics.vital_signs import VitalSigns, vital_signs

KEY = "vital-signs:v1"


def recent_vital_signs(now: datetime, *, fresh: bool = False) -> VitalSigns:
    """The vital signs computed within the last ``VITAL_SIGNS_CACHE_SECONDS`` (their ``now`` says when),
    or computed at ``now`` when ``fresh`` or none are that recent."""
    seconds = current_app.config["VITAL_SIGNS_CACHE_SECONDS"]
    if seconds <= 0:
        return vital_signs(now)
    kept = None if fresh else cache.get(KEY)
    if isinstance(kept, VitalSigns):
        return kept
    signs = vital_signs(now)
    cache.set(KEY, signs, timeout=seconds)
    return signs
