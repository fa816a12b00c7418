"""Abuse rules: signals that put an account or a segment in the moderation queue for a person to judge.

Each rule is registered with a name and a sentence that says what it watches; its thresholds
are configuration (``ABUSE_*``). Rules never act on their own: they open (or join) a case.

- ``refusal_burst``: many prompt refusals from one account in a short time;
- ``report_burst``: many reports on one writer's content in a short time;
- ``new_account_at_limit``: an account in its first hours generating up to the hourly limit;
- ``removed_lookalike``: a new segment whose frames look like a removed segment's (perceptual hash).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db, redis_client
from app.models import ModerationCase, Report, Segment, User
from app.models.base import utcnow
from app.moderation.cases import open_case


@dataclass(frozen=True)
class AbuseRule:
    name: str
    watches: str
    check: Callable


RULES: dict[str, AbuseRule] = {}


def rule(name: str, watches: str):
    def register(fn):
        RULES[name] = AbuseRule(name, watches, fn)
        return fn
    return register


def _flag_account(user: User, rule_name: str, summary: str, severity: int, evidence: dict) -> ModerationCase:
    return open_case("user", user.username, source="abuse", severity=severity, writer_id=user.id,
                     summary=f"Abuse rule {rule_name}: {summary}", evidence={rule_name: evidence})


@rule("refusal_burst", "ABUSE_REFUSALS prompt refusals within ABUSE_REFUSALS_SECONDS from one account")
def prompt_refused(user: User) -> ModerationCase | None:
    """Count a refusal; at the threshold the account joins the queue. Commits when it flags."""
    cfg = current_app.config
    key = f"sf:abuse:refusals:{user.id}"
    count = redis_client().incr(key)
    if count == 1:
        redis_client().expire(key, cfg["ABUSE_REFUSALS_SECONDS"])
    if count != cfg["ABUSE_REFUSALS"]:
        return None
    case = _flag_account(user, "refusal_burst", f"{count} prompts refused within {cfg['ABUSE_REFUSALS_SECONDS'] // 60} minutes",
                         55, {"refusals": count})
    db.session.commit()
    return case


@rule("report_burst", "ABUSE_REPORTS reports from different people on one writer within ABUSE_REPORTS_SECONDS")
def report_filed(writer: User | None) -> ModerationCase | None:
    """After a report: flag the writer when reports on their content from distinct people pile up. Commits when it flags."""
    if writer is None:
        return None
    cfg = current_app.config
    since = utcnow() - timedelta(seconds=cfg["ABUSE_REPORTS_SECONDS"])
    reporters = db.session.scalar(
        select(func.count(func.distinct(Report.reporter_id))).join(ModerationCase, Report.case_id == ModerationCase.id)
        .where(ModerationCase.writer_id == writer.id, Report.created_at >= since))
    if reporters < cfg["ABUSE_REPORTS"]:
        return None
    case = _flag_account(writer, "report_burst", f"{reporters} people reported this writer's content within "
                         f"{cfg['ABUSE_REPORTS_SECONDS'] // 60} minutes", 65, {"reporters": reporters})
    db.session.commit()
    return case


@rule("new_account_at_limit", "an account younger than ABUSE_NEW_ACCOUNT_HOURS reaching the hourly generation limit")
def generation_limited(user: User) -> ModerationCase | None:
    """When the hourly limit refuses a generation: flag the account if it is new. Commits when it flags."""
    cfg = current_app.config
    created = user.created_at if user.created_at.tzinfo else user.created_at.replace(tzinfo=utcnow().tzinfo)
    age = utcnow() - created
    if age > timedelta(hours=cfg["ABUSE_NEW_ACCOUNT_HOURS"]):
        return None
    case = _flag_account(user, "new_account_at_limit", f"reached the limit of {cfg['GENERATION_HOURLY_LIMIT']} segments "
                         f"an hour {int(age.total_seconds() // 60)} minutes after signing up", 50,
                         {"age_minutes": int(age.total_seconds() // 60)})
    db.session.commit()
    return case


def frame_hashes(paths: list[Path]) -> list[str]:
    """Perceptual hashes (imagehash's pHash, 64 bits as hex) of the frames at ``paths``."""
    import imagehash
    from PIL import Image

    hashes = []
    for path in paths:
        with Image.open(path) as image:
            hashes.append(str(imagehash.phash(image)))
    return hashes


@rule("removed_lookalike", "a new segment with a frame within ABUSE_PHASH_DISTANCE bits of a removed segment's frame")
def lookalike_of_removed(segment: Segment, hashes: list[str]) -> Segment | None:
    """The removed segment that ``hashes`` (the new segment's frames) match, or None; opens a case when one does.
    In the caller's transaction."""
    import imagehash

    limit = current_app.config["ABUSE_PHASH_DISTANCE"]
    mine = [imagehash.hex_to_hash(h) for h in hashes]
    removed = db.session.scalars(select(Segment).where(Segment.moderation_state == "removed", Segment.id != segment.id))
    for other in removed:
        for theirs in (other.moderation or {}).get("phash", []):
            known = imagehash.hex_to_hash(theirs)
            distance = min(h - known for h in mine) if mine else 64
            if distance <= limit:
                open_case("segment", segment.public_id, source="abuse", severity=80, writer_id=segment.author_id,
                          summary=(f"Abuse rule removed_lookalike: a frame is {distance} bits from a frame of removed "
                                   f"segment {other.public_id}"),
                          evidence={"removed_lookalike": {"segment": other.public_id, "distance": int(distance)}})
                return other
    return None
