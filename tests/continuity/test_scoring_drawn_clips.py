"""Scoring clips that another generator made: figures drawn with Pillow, encoded with moviepy.

The entity part reads colours from the pixels, so it judges these clips as it judges the local
renderer's: a coat that changes colour with no stated change scores lower than one that stays.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from moviepy import ImageSequenceClip
from PIL import Image, ImageDraw

from app.continuity.scoring import correction_withheld, score_segment
from app.media.frames import first_frame, last_frame
from app.media.probe import probe

IDRIS = {"id": "C1", "name": "Captain Idris", "attributes": {"head": "shaved", "coat": "red naval"}}
WALL = (196, 184, 160)
SKIN = (222, 184, 150)


def draw_frame(coat: tuple[int, int, int], x: int) -> np.ndarray:
    """A sand-coloured wall with a figure: a round head over a coat, standing at ``x``."""
    image = Image.new("RGB", (320, 180), WALL)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 140, 320, 180), fill=(120, 110, 96))  # the quay
    draw.ellipse((x - 14, 30, x + 14, 58), fill=SKIN)
    draw.rectangle((x - 24, 58, x + 24, 140), fill=coat)
    return np.asarray(image)


def drawn_clip(path: Path, coat: tuple[int, int, int], start_x: int) -> Path:
    frames = [draw_frame(coat, start_x + step * 3) for step in range(24)]
    ImageSequenceClip(frames, fps=12).write_videofile(str(path), codec="libx264", audio=False, logger=None)
    return path


@pytest.fixture(scope="module")
def drawn(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("drawn")
    return {
        "parent": drawn_clip(root / "parent.mp4", (190, 30, 36), 80),
        "kept": drawn_clip(root / "kept.mp4", (186, 34, 40), 150),
        "changed": drawn_clip(root / "changed.mp4", (40, 150, 60), 150),
    }


def test_the_clips_are_real_videos(drawn) -> None:
    info = probe(drawn["kept"])
    assert info.video_codec == "h264" and (info.width, info.height) == (320, 180) and info.duration >= 1.9


def test_a_coat_that_changes_colour_unstated_scores_lower_than_one_that_stays(drawn) -> None:
    def score(name: str):
        return score_segment(first_frame=first_frame(drawn[name]), middle_frame=last_frame(drawn[name]),
                             parent_last_frame=last_frame(drawn["parent"]),
                             scene_first_frame=first_frame(drawn["parent"]), entities=[IDRIS])

    kept, changed = score("kept"), score("changed")
    assert kept.entity_matches["C1"] > 0.8
    assert changed.entity_matches["C1"] < 0.3
    assert kept.score - changed.score > 0.1


def test_a_recorded_move_or_a_stated_nightfall_is_never_corrected() -> None:
    assert correction_withheld("Night falls over the quay as Idris waits.", "L1", "L1") is not None
    assert correction_withheld("Idris walks on.", "L2", "L1") == "a new place"
    assert correction_withheld("Idris waits on the quay.", "L1", "L1") is None
