"""The generation pipeline's review stage: check a rendered segment and block, hold or pass it."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from app.models import Segment
from app.moderation import abuse, review
from app.moderation.cases import open_case
from app.moderation.classifiers import moderator, wait_for_models
from app.moderation.prompt_filter import PromptFilter
from app.moderation.takedown import hold
from app.storage import Storage


class SegmentBlocked(Exception):
    """The segment must not publish; ``message`` says why, for the writer."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def flagged_frame_key(segment: Segment, at: float) -> str:
    """Where a frame that crossed a threshold is kept: outside the segment's public media."""
    return f"moderation/{segment.public_id}/frame-{at:07.3f}.jpg"


def quarantine_key(segment: Segment) -> str:
    return f"quarantine/{segment.public_id}/video.mp4"


def refuse_if_blocked(segment: Segment) -> None:
    """A segment blocked before stays blocked without a new check: a retry renders and pays nothing more."""
    previous = segment.moderation or {}
    if previous.get("verdict") == review.BLOCK:
        raise SegmentBlocked(previous.get("message") or "This segment was blocked by the content check.")


def check_segment(segment: Segment, video: Path, work_dir: Path, store: Storage, config: Mapping,
                  word_filter: PromptFilter, on_progress: Callable[[float, str], None] | None = None) -> review.Verdict:
    """Record the check on the segment; keep flagged frames; on ``review`` hold it (by policy) and open a case.

    Raises SegmentBlocked for ``block``, after moving its video out of public media.
    """
    policy = review.Policy.from_config(config)
    if on_progress:
        wait_for_models(lambda: on_progress(0.0, "loading the content models"))
    verdict = review.review_clip(video, segment.prompt, segment.expanded_prompt, work_dir, policy, word_filter,
                                 moderator(config), on_progress)
    kept = []
    for frame in verdict.flagged:
        key = flagged_frame_key(segment, frame.at)
        store.put_file(key, frame.path, "image/jpeg")
        kept.append({"at": frame.at, "label": frame.label, "score": frame.score, "key": key})
    hashes = abuse.frame_hashes([f.path for f in verdict.sampled])
    segment.moderation = {**verdict.record, "flagged": kept, "message": verdict.message, "phash": hashes}
    if verdict.outcome == review.BLOCK:
        if segment.video_key and store.exists(segment.video_key):
            store.put_file(quarantine_key(segment), video, "video/mp4")
            store.delete(segment.video_key)
        raise SegmentBlocked(verdict.message)
    if verdict.outcome == review.REVIEW:
        if policy.on_review == review.HOLD:
            hold(segment)
        worst = max([verdict.record["nudity"]["max"], verdict.record["text"]["prompt"], verdict.record["text"]["expanded"]])
        open_case("segment", segment.public_id, source="review", severity=int(40 + 50 * worst),
                  summary="Content check: " + "; ".join(verdict.reasons), writer_id=segment.author_id,
                  evidence={"check": segment.moderation})
    elif abuse.lookalike_of_removed(segment, hashes) is not None and policy.on_review == review.HOLD:
        hold(segment)
    return verdict
