"""Continuity scoring on real frames: similarity, colour drift, signature colours, segment scores, colour matching.

Clips are small (320x180, 2 s) renders of the local provider so the module runs in a few seconds.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.continuity.scoring import (
    ContinuityScore,
    colour_drift,
    colour_match,
    frame_array,
    match_levels,
    rgb_to_lab,
    score_segment,
    signature_presence,
    similarity,
)
from app.media.ffmpeg import MediaError, run_ffmpeg
from app.media.frames import first_frame, last_frame
from app.media.probe import probe
from app.providers.video.base import RenderRequest
from app.providers.video.local import render_clip, signature_color

SMALL = {"duration": 2, "width": 320, "height": 180, "fps": 24}
MARA = {"id": "C1", "name": "Mara", "attributes": {"coat": "red", "hair": "blonde"}}
BLUE = {"id": "C2", "name": "Bo", "attributes": {"coat": "blue"}}
#: a coat colour nothing in the harbour clips shows (the harbour itself is blue, so a blue coat is not told apart)
PURPLE = {"id": "C2", "name": "Bo", "attributes": {"coat": "purple"}}
HARBOR = {"id": "L1", "name": "Harbor", "attributes": {"time": "day", "color": "teal"}}
BIBLE = {"location": HARBOR, "characters": [MARA], "props": [], "style": None, "action": "Mara waits on the pier"}
NIGHT_FOREST = {**BIBLE, "location": {"id": "L2", "name": "Dark forest", "attributes": {"time": "night"}}}


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    """A red-coat harbor clip, its continuation (starting on its last frame) and an unrelated night forest."""
    root = tmp_path_factory.mktemp("scoring")
    parent = render_clip(RenderRequest(prompt="Mara waits", seed=11, bible=BIBLE, **SMALL), root / "parent.mp4")
    child = render_clip(
        RenderRequest(prompt="Mara turns", seed=12, bible=BIBLE, first_frame=last_frame(parent), **SMALL),
        root / "child.mp4",
    )
    other = render_clip(RenderRequest(prompt="woods", seed=13, bible=NIGHT_FOREST, **SMALL), root / "other.mp4")
    return {"root": root, "parent": parent, "child": child, "other": other}


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.clip(array, 0, 255).astype(np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def test_frame_array_decodes_and_downscales(clips):
    """A JPEG reference frame becomes a float RGB array at the default 160x90."""
    frame = frame_array(first_frame(clips["parent"]))
    assert frame.shape == (90, 160, 3) and frame.dtype == np.float32
    assert frame_array(first_frame(clips["parent"]), size=(32, 18)).shape == (18, 32, 3)
    with pytest.raises(ValueError):
        frame_array(b"not an image")


def test_similarity_identical_and_different(clips):
    """Identical frames score 1, a black/white pair 0, two unrelated scenes low, first vs last frame high."""
    parent = frame_array(first_frame(clips["parent"]))
    assert similarity(parent, parent) == pytest.approx(1.0)
    assert similarity(np.zeros((90, 160, 3)), np.full((90, 160, 3), 255.0)) == pytest.approx(0.0)
    assert similarity(parent, frame_array(first_frame(clips["other"]))) < 0.4
    assert similarity(parent, frame_array(last_frame(clips["parent"]))) > 0.8
    with pytest.raises(ValueError):
        similarity(parent, parent[:10])


def test_lab_conversion_reference_values():
    """sRGB white, black and pure red land on their textbook Lab values."""
    lab = rgb_to_lab(np.array([[255, 255, 255], [0, 0, 0], [255, 0, 0]]))
    assert lab[0] == pytest.approx([100, 0, 0], abs=0.05)
    assert lab[1] == pytest.approx([0, 0, 0], abs=0.05)
    assert lab[2] == pytest.approx([53.24, 80.09, 67.20], abs=0.05)


def test_colour_drift_zero_for_same_frame_large_for_tint(clips):
    """Drift is 0 against itself and well above the flag threshold for a +60 red tint."""
    frame = frame_array(first_frame(clips["parent"]))
    tinted = frame.copy()
    tinted[..., 0] = np.clip(tinted[..., 0] + 60, 0, 255)
    assert colour_drift(frame, frame) == pytest.approx(0.0, abs=1e-6)
    assert colour_drift(tinted, frame) > 15


def test_signature_presence_red_figure(clips):
    """The red-coated figure's signature colour is present; a blue entity's colour is not."""
    frame = frame_array(first_frame(clips["parent"]))
    assert signature_presence(frame, signature_color(MARA)) > 0.8
    assert signature_presence(frame, signature_color(BLUE)) < 0.2
    assert signature_presence(np.zeros((90, 160, 3)), (0, 0, 0)) == 1.0


def test_score_continuation_joins_its_parent(clips):
    """A continuation rendered from the parent's last frame joins it (> 0.8), keeps the scene's colour, shows Mara."""
    child = clips["child"]
    score = score_segment(
        first_frame=first_frame(child),
        middle_frame=last_frame(child),
        parent_last_frame=last_frame(clips["parent"]),
        scene_first_frame=first_frame(clips["parent"]),
        entities=[MARA, PURPLE],
    )
    assert score.first_frame_similarity > 0.8
    assert score.colour_drift is not None and score.colour_drift < 12 and not score.flagged
    assert score.entity_matches["C1"] > 0.8 and score.entity_matches["C2"] < 0.2
    assert 0.6 < score.score <= 1.0
    data = score.to_dict()
    assert data["entity_matches"] == score.entity_matches and data["corrected"] is False
    assert set(data) == {"score", "first_frame_similarity", "colour_drift", "entity_matches", "flagged", "corrected"}


def test_score_unrelated_segment_is_flagged(clips):
    """A night forest following a day harbor scores a poor join and is flagged for colour drift."""
    other = clips["other"]
    score = score_segment(
        first_frame=first_frame(other),
        middle_frame=last_frame(other),
        parent_last_frame=last_frame(clips["parent"]),
        scene_first_frame=first_frame(clips["parent"]),
        entities=[],
    )
    assert score.first_frame_similarity < 0.5
    assert score.flagged and score.colour_drift > 12
    assert score.score < 0.5 and score.entity_matches == {}


def test_score_first_segment_has_no_relative_parts(clips):
    """A first segment has None join and drift; its score is the entity part alone (or 1 without entities)."""
    frame = first_frame(clips["parent"])
    alone = score_segment(
        first_frame=frame, middle_frame=frame, parent_last_frame=None, scene_first_frame=None, entities=[]
    )
    assert alone == ContinuityScore(
        score=1.0, first_frame_similarity=None, colour_drift=None, entity_matches={}, flagged=False
    )
    with_entities = score_segment(
        first_frame=frame, middle_frame=frame, parent_last_frame=None, scene_first_frame=None, entities=[MARA, BLUE]
    )
    assert with_entities.first_frame_similarity is None and with_entities.colour_drift is None
    assert with_entities.score == pytest.approx(sum(with_entities.entity_matches.values()) / 2, abs=1e-3)


def test_match_levels_clamps_gains():
    """Mean/std matching recovers a known gain/offset and clamps extreme gains to 0.5..2."""
    rng = np.random.default_rng(1)
    reference = rng.uniform(40, 200, (90, 160, 3))
    sample = reference * np.array([1.25, 1.0, 0.8]) + np.array([-10, 5, 0])
    gain, offset = match_levels(sample, reference)
    assert gain == pytest.approx([0.8, 1.0, 1.25], abs=1e-3)
    assert (gain * sample.reshape(-1, 3).mean(axis=0) + offset) == pytest.approx(reference.reshape(-1, 3).mean(axis=0))
    flat = np.full((90, 160, 3), 120.0)
    assert match_levels(reference * 0.1, reference)[0] == pytest.approx([2, 2, 2])
    assert match_levels(flat, reference)[0] == pytest.approx([1, 1, 1])


def test_colour_match_corrects_a_tinted_clip(clips):
    """A red-tinted copy (with audio) is graded back: drift drops by a wide margin, h264, same duration, audio kept."""
    root, parent = clips["root"], clips["parent"]
    tinted = root / "tinted.mp4"
    run_ffmpeg(
        ["-loglevel", "error", "-i", parent, "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
         "-vf", "colorchannelmixer=rr=1.3:gg=0.95:bb=0.7", "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-y", tinted],
        what="tint test clip",
    )
    reference = first_frame(parent)
    sample = first_frame(tinted)
    before = colour_drift(frame_array(sample), frame_array(reference))

    out = colour_match(tinted, root / "matched.mp4", reference_frame=reference, sample_frame=sample)

    after = colour_drift(frame_array(first_frame(out)), frame_array(reference))
    print(f"colour_match drift before {before:.2f} after {after:.2f}")
    assert before > 15
    assert after < before / 4 and after < 5
    info, source = probe(out), probe(tinted)
    assert info.video_codec == "h264" and info.pix_fmt == "yuv420p"
    assert info.duration == pytest.approx(source.duration, abs=0.1)
    assert info.audio_codec == "aac"
    assert not list(root.glob(".matched.mp4.*.part"))


def test_colour_match_errors(clips, tmp_path):
    """A missing source or an undecodable frame raise MediaError and leave no output."""
    frame = first_frame(clips["parent"])
    with pytest.raises(MediaError):
        colour_match(tmp_path / "missing.mp4", tmp_path / "out.mp4", reference_frame=frame, sample_frame=frame)
    with pytest.raises(MediaError):
        colour_match(clips["parent"], tmp_path / "out.mp4", reference_frame=b"junk", sample_frame=frame)
    assert not (tmp_path / "out.mp4").exists()


def test_png_frames_are_accepted():
    """PNG bytes decode like JPEG ones, so a synthetic frame scores 1 against itself."""
    rng = np.random.default_rng(2)
    png = _png(rng.uniform(0, 255, (90, 160, 3)))
    score = score_segment(
        first_frame=png, middle_frame=png, parent_last_frame=png, scene_first_frame=png, entities=[]
    )
    assert score.first_frame_similarity == pytest.approx(1.0) and score.colour_drift == pytest.approx(0.0)
    assert score.score == pytest.approx(1.0)
