"""Continuity figures in plain words."""
from types import SimpleNamespace

from app.story.continuity_words import in_words, scene_in_words


def _segment(score, join=None, drift=None, corrected=False):
    after = {"first_frame_similarity": join, "colour_drift": drift, "corrected": corrected}
    return SimpleNamespace(continuity_score=score, continuity={"after": after})


def test_figures_read_as_words():
    """A close join and small drift, a hard cut, a corrected segment, the opening shot, no figures at all."""
    assert in_words(_segment(0.9, join=0.91, drift=2.0)) == "Matches the last shot well · colours match the scene"
    assert in_words(_segment(0.4, join=0.2, drift=30.0)) == "Cuts to a new shot · colours differ from the scene's"
    assert in_words(_segment(0.7, join=0.6, drift=4.5, corrected=True)) == \
        "Follows on from the last shot · colour corrected to match the scene"
    assert in_words(_segment(1.0)) == "The opening shot: later segments are compared with it"
    assert in_words(_segment(None)) is None
    assert scene_in_words(0.85).endswith("smoothly") and scene_in_words(0.3).startswith("Several")
