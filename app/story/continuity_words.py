"""A segment's continuity figures said in plain words; the figures stay available behind a toggle.

Join: how closely the segment's first frame matches the last frame before it (0–1). Colour drift: how far
(CIE76 ΔE) its colours moved from the scene's first segment; about 2 is barely visible, past the drift
threshold (12 by default) the pipeline colour-matches the segment.
"""
from __future__ import annotations

from app.models import Segment

#: (lowest join similarity, words), best first
JOIN_WORDS = ((0.8, "matches the last shot well"), (0.55, "follows on from the last shot"),
              (0.0, "cuts to a new shot"))
#: (highest colour drift ΔE, words), closest first
COLOUR_WORDS = ((6.0, "colours match the scene"), (12.0, "colours close to the scene's"),
                (float("inf"), "colours differ from the scene's"))


def in_words(segment: Segment) -> str | None:
    """“Matches the last shot well · colour corrected” — or None when the segment has no continuity figures."""
    after = (segment.continuity or {}).get("after") or {}
    if segment.continuity_score is None:
        return None
    said = []
    if (join := after.get("first_frame_similarity")) is not None:
        said.append(next(words for lowest, words in JOIN_WORDS if join >= lowest))
    if after.get("corrected"):
        said.append("colour corrected to match the scene")
    elif (drift := after.get("colour_drift")) is not None:
        said.append(next(words for highest, words in COLOUR_WORDS if drift <= highest))
    if not said:
        return "The opening shot: later segments are compared with it"
    return " · ".join(said).capitalize()


def scene_in_words(average: float) -> str:
    """The scene's mean continuity score (0–1) in words."""
    if average >= 0.8:
        return "The segments follow on from each other smoothly"
    if average >= 0.6:
        return "Most segments follow on from each other"
    return "Several segments jump from what came before"
