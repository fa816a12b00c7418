"""The post-generation check: what a rendered segment shows and says, against the configured policy.

Three outcomes, from the highest score of each kind:

- ``block``: at or above a block threshold (or a blocked term in the expanded prompt); the segment
  never publishes and the writer is told why;
- ``review``: between the review and block thresholds; by policy the segment publishes *held*
  (seen only by its writer and moderators) or publishes and joins the moderation queue;
- ``clear``: below every review threshold.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.moderation import frames
from app.moderation.classifiers import LocalModerator
from app.moderation.prompt_filter import PromptFilter

CLEAR, REVIEW, BLOCK = "clear", "review", "block"
#: what the held-review policy may be
HOLD, QUEUE = "hold", "queue"


@dataclass(frozen=True)
class Policy:
    nudity_review: float
    nudity_block: float
    text_review: float
    text_block: float
    frames_per_second: float
    #: hold (publish visible only to writer and moderators) or queue (publish to everyone and queue)
    on_review: str

    @classmethod
    def from_config(cls, cfg: Mapping) -> Policy:
        on_review = cfg["MODERATION_ON_REVIEW"]
        if on_review not in (HOLD, QUEUE):
            raise ValueError(f"MODERATION_ON_REVIEW must be {HOLD!r} or {QUEUE!r}, not {on_review!r}")
        return cls(cfg["MODERATION_NUDITY_REVIEW"], cfg["MODERATION_NUDITY_BLOCK"], cfg["MODERATION_TEXT_REVIEW"],
                   cfg["MODERATION_TEXT_BLOCK"], max(1.0, float(cfg["MODERATION_FRAMES_PER_SECOND"])), on_review)


@dataclass
class Verdict:
    outcome: str
    reasons: list[str]
    record: dict[str, Any]
    #: sampled frames at or above the review threshold, to keep as evidence
    flagged: list[frames.FrameScore] = field(default_factory=list)
    #: every sampled frame
    sampled: list[frames.FrameScore] = field(default_factory=list)

    @property
    def message(self) -> str:
        """What the writer reads."""
        if self.outcome == BLOCK:
            return "This segment was not published: " + "; ".join(self.reasons) + ". Rewrite the prompt and try again."
        if self.outcome == REVIEW:
            return "A moderator will look at this segment before everyone can see it: " + "; ".join(self.reasons) + "."
        return "Passed the content check."


def review_clip(video: Path, prompt: str, expanded_prompt: str | None, work_dir: Path, policy: Policy,
                word_filter: PromptFilter, moderator=None,
                on_progress: Callable[[float, str], None] | None = None) -> Verdict:
    """Score the clip's sampled frames and the prompt texts (with ``moderator``, default the local models),
    and decide under ``policy``. ``on_progress(fraction, text)`` hears after every frame."""
    moderator = moderator or LocalModerator()
    started = time.perf_counter()
    sampled = frames.sample_frames(video, work_dir, per_second=policy.frames_per_second)
    scored = []
    for index, (at, path) in enumerate(sampled, start=1):
        (label, score), = moderator.score_frames([path])
        scored.append(frames.FrameScore(at, path, label, score))
        if on_progress:
            on_progress(index / (len(sampled) + 1), f"checking frame {index} of {len(sampled)}")
    frame_seconds = time.perf_counter() - started
    prompt_score, expanded_score = moderator.score_texts([prompt, expanded_prompt or ""])
    terms = word_filter.check(expanded_prompt or "")

    worst = max(scored, key=lambda f: f.score)
    worst_text = max(prompt_score, expanded_score)
    reasons, outcome = [], CLEAR
    if worst.score >= policy.nudity_block:
        outcome = BLOCK
        reasons.append(f"nudity in the frame at {worst.at:.1f} s ({_label(worst.label)}, score {worst.score:.2f})")
    elif worst.score >= policy.nudity_review:
        outcome = REVIEW
        reasons.append(f"possible nudity in the frame at {worst.at:.1f} s ({_label(worst.label)}, score {worst.score:.2f})")
    if not terms.allowed:
        outcome = BLOCK
        reasons.append(f"the expanded prompt contains a blocked term ({terms.category}: {terms.matched.rstrip('*')})")
    if worst_text >= policy.text_block:
        outcome = BLOCK
        reasons.append(f"offensive language in the prompt (score {worst_text:.2f})")
    elif worst_text >= policy.text_review:
        outcome = BLOCK if outcome == BLOCK else REVIEW
        reasons.append(f"possibly offensive language in the prompt (score {worst_text:.2f})")
    flagged = [f for f in scored if f.score >= policy.nudity_review]
    record = {
        "verdict": outcome,
        "reasons": reasons,
        "nudity": {"max": worst.score, "label": worst.label, "at": worst.at, "sampled": len(scored),
                   "frames": [[f.at, f.label, f.score] for f in scored]},
        "text": {"prompt": prompt_score, "expanded": expanded_score, "blocked_terms": not terms.allowed},
        "thresholds": {"nudity": [policy.nudity_review, policy.nudity_block], "text": [policy.text_review, policy.text_block]},
        "frame_seconds": round(frame_seconds, 3),
        "moderator": moderator.name,
    }
    if moderator.fallback_reason:
        record["moderator_fallback"] = moderator.fallback_reason
    return Verdict(outcome, reasons, record, flagged, scored)


def _label(label: str | None) -> str:
    return (label or "unknown").replace("_", " ").lower()
