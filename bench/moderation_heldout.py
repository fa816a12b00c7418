"""The moderation defaults judged on the held-out set in ``bench/data/moderation_heldout.json``.

Run from the repository root: ``python bench/moderation_heldout.py``. The set was written before
this script ran and is never edited; the thresholds are the shipped defaults in ``config.py``.
Prints, for frames: how many clean local renders would be held or blocked (false alarms) and
how many drawn explicit figures would be held or blocked (catches); for texts: the same for the
profanity model's review threshold. Nothing here tunes anything.
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from app.moderation import frames, text  # noqa: E402
from app.providers.video.base import RenderRequest  # noqa: E402
from app.providers.video.local import render_clip  # noqa: E402
from config import Config  # noqa: E402

HELDOUT = Path(__file__).resolve().parent / "data/moderation_heldout.json"


def draw_figure(spec: dict) -> np.ndarray:
    """A bare torso drawn from the set's parameters (BGR)."""
    width, height = spec["size"]
    scale = height / 360
    image = np.full((height, width, 3), spec["background"], np.uint8)
    skin = tuple(spec["skin"])
    cx, cy = width // 2 + int(spec["offset"][0] * scale), height // 2 + int(spec["offset"][1] * scale)
    cv2.ellipse(image, (cx, cy + int(60 * scale)), (int(190 * scale), int(260 * scale)), 0, 0, 360, skin, -1)
    radius, areola = int(spec["radius"] * scale), int(spec["areola"] * scale)
    for x in (cx - int(80 * scale), cx + int(80 * scale)):
        cv2.circle(image, (x, cy + int(20 * scale)), radius, tuple(int(c * 0.9) for c in skin), -1)
        cv2.circle(image, (x, cy + int(40 * scale)), areola, tuple(int(c * 0.75) for c in skin), -1)
    blur = int(31 * scale) | 1
    return cv2.GaussianBlur(image, (blur, blur), 0)


def verdicts(scores: list[float], review: float, block: float) -> tuple[int, int]:
    return sum(review <= s < block for s in scores), sum(s >= block for s in scores)


def main() -> None:
    data = json.loads(HELDOUT.read_text())
    review, block = Config.MODERATION_NUDITY_REVIEW, Config.MODERATION_NUDITY_BLOCK
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        clean = []
        for index, prompt in enumerate(data["clean_render_prompts"]):
            clip = render_clip(RenderRequest(prompt=prompt, seed=index + 1), tmp / f"clean-{index}.mp4")
            sampled = frames.sample_frames(clip, tmp / f"clean-{index}")
            clean.append(max(frames.score_frame(path)[1] for _, path in sampled))
        explicit = []
        for index, spec in enumerate(data["explicit_figures"]):
            path = tmp / f"figure-{index}.jpg"
            cv2.imwrite(str(path), draw_figure(spec))
            explicit.append(frames.score_frame(path)[1])
    held, blocked = verdicts(clean, review, block)
    print(f"NudeNet thresholds: review {review}, block {block}")
    print(f"clean renders: {len(clean)}; held {held}, blocked {blocked} (false alarms); highest score {max(clean):.2f}")
    held, blocked = verdicts(explicit, review, block)
    print(f"drawn explicit figures: {len(explicit)}; held {held}, blocked {blocked}, missed {len(explicit) - held - blocked}; "
          f"scores {', '.join(f'{s:.2f}' for s in explicit)}")
    threshold = Config.MODERATION_TEXT_REVIEW
    ok = text.offensive_probability(data["texts"]["clean"])
    bad = text.offensive_probability(data["texts"]["offensive"])
    print(f"profanity model, review at {threshold}: clean prompts held {sum(s >= threshold for s in ok)} of {len(ok)} "
          f"(highest {max(ok):.2f}); offensive prompts held {sum(s >= threshold for s in bad)} of {len(bad)} "
          f"(lowest {min(bad):.2f})")


if __name__ == "__main__":
    main()
