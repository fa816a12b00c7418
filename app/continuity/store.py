"""The Scene Bible in the database: bible_at(segment), checking a continuation, recording changes."""
from __future__ import annotations

from dataclasses import asdict

from flask import current_app
from sqlalchemy import select

from app.continuity.bible import Bible, Change, fold
from app.continuity.check import CheckResult, check_prompt
from app.extensions import db
from app.models import BibleChange, BibleEntity, Segment
from app.story.paths import segment_path


def bible_at(segment_id: int | None) -> Bible:
    """The Bible as it stands after ``segment_id``: the changes along its ancestor path, folded in order."""
    if segment_id is None:
        return fold([])
    path = segment_path(segment_id)
    order = {s.id: i for i, s in enumerate(path)}
    rows = db.session.scalars(select(BibleChange).where(BibleChange.segment_id.in_(order))).all()
    rows = sorted(rows, key=lambda r: (order[r.segment_id], r.id))
    return fold(Change(r.segment_id, r.entity_public_id, r.op, r.key, r.value) for r in rows)


def _root_id(parent: Segment | None) -> int | None:
    if parent is None:
        return None
    return segment_path(parent.id)[0].id


def check_continuation(parent: Segment | None, prompt: str) -> CheckResult:
    """Check ``prompt`` as the segment after ``parent`` (None for a scene's first segment)."""
    root = _root_id(parent)
    used = db.session.scalars(select(BibleEntity.public_id).where(BibleEntity.root_segment_id == root)).all() if root else []
    previous = ((parent.plan or {}).get("linked") or []) if parent else []
    return check_prompt(
        bible_at(parent.id if parent else None),
        prompt,
        parent_segment_id=parent.id if parent else None,
        previous_entities=previous,
        used_ids=used,
        budget=current_app.config["CONTINUITY_BUDGET"],
    )


def plan_record(result: CheckResult, segment: Segment) -> dict:
    """What a segment stores about its continuity check (shown on the page, applied at publish)."""
    changes = result.changes_for(segment.id, segment.author.username)
    return {
        "check": result.to_dict(),
        "bible": result.snapshot(),
        "linked": result.linked_ids,
        "changes": [asdict(c) for c in changes],
    }


def record_changes(segment: Segment) -> None:
    """Store the Bible changes a segment introduced (called when it is published)."""
    changes = [Change(**c) for c in (segment.plan or {}).get("changes", [])]
    if not changes:
        return
    root = _root_id(segment.parent) or segment.id
    for change in changes:
        db.session.add(BibleChange(segment_id=segment.id, entity_public_id=change.entity_id, op=change.op,
                                   key=change.key, value=change.value, author_id=segment.author_id))
        if change.op == "create":
            db.session.add(BibleEntity(root_segment_id=root, public_id=change.entity_id, kind=change.key,
                                       name=change.value, created_segment_id=segment.id))
