"""The Scene Bible in the database: bible_at(segment), checking a continuation, recording changes."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, replace

from flask import current_app
from sqlalchemy import select

from app.continuity.bible import KINDS, Bible, BibleError, Change, apply, fold
from app.continuity.check import CheckResult, check_prompt
from app.extensions import db
from app.models import BibleChange, BibleEntity, Segment
from app.models.paths import segment_path
from app.models.plan import SegmentPlan


def bible_at(segment_id: int | None) -> Bible:
    """The Bible as it stands after ``segment_id``: the changes along its ancestor path, folded in order."""
    return fold(Change(r.segment_id, r.entity_public_id, r.op, r.key, r.value) for r in history(segment_id))


def _root_id(parent: Segment | None) -> int | None:
    if parent is None:
        return None
    return segment_path(parent.id)[0].id


def check_continuation(parent: Segment | None, prompt: str, declared: list[Change] = ()) -> CheckResult:
    """Check ``prompt`` as the segment after ``parent`` (None for a scene's first segment, whose
    Bible starts from the entities its author ``declared``)."""
    used = used_ids_at(parent) if parent else [c.entity_id for c in declared]
    previous = (parent.planned.linked or []) if parent else [c.entity_id for c in declared]
    return check_prompt(
        bible_at(parent.id) if parent else fold(declared),
        prompt,
        parent_segment_id=parent.id if parent else None,
        previous_entities=previous,
        used_ids=used,
        budget=current_app.config["CONTINUITY_BUDGET"],
        positions=positions_on_path(parent.id) if parent else None,
    )


def positions_on_path(head_id: int | None) -> dict[int, int]:
    """Segment id → its number in the scene, for every segment on the path to ``head_id``."""
    return {s.id: s.position for s in segment_path(head_id)}


def declared_of(segment: Segment) -> list[Change]:
    """The entities declared with a scene's first segment."""
    return [Change(**c) for c in segment.planned.declared or []]


def plan_record(result: CheckResult, segment: Segment) -> SegmentPlan:
    """What a segment stores about its continuity check (shown on the page, applied at publish)."""
    author = segment.author.username
    declared = [replace(c, segment_id=segment.id, author=author) for c in declared_of(segment)]
    changes = declared + result.changes_for(segment.id, author)
    return SegmentPlan(
        declared=[asdict(c) for c in declared_of(segment)],
        check=result.to_dict(),
        bible=result.snapshot(),
        # what is present in this segment, so the next one keeps the place and style it doesn't name again
        linked=[i for i in dict.fromkeys([*result.linked_ids, result.location_id, result.style_id]) if i],
        changes=[asdict(c) for c in changes],
    )


def record_changes(segment: Segment) -> None:
    """Store the Bible changes a segment introduced (called when it is published)."""
    changes = [Change(**c) for c in segment.planned.changes or []]
    if not changes:
        return
    root = _root_id(segment.parent) or segment.id
    for change in changes:
        db.session.add(BibleChange(segment_id=segment.id, entity_public_id=change.entity_id, op=change.op,
                                   key=change.key, value=change.value, author_id=segment.author_id))
        if change.op == "create":
            db.session.add(BibleEntity(root_segment_id=root, public_id=change.entity_id, kind=change.key,
                                       name=change.value, created_segment_id=segment.id))


def used_ids_at(segment: Segment) -> list[str]:
    root = _root_id(segment)
    return list(db.session.scalars(select(BibleEntity.public_id).where(BibleEntity.root_segment_id == root)))


def correct_bible(scene, user, *, op: str, entity_id: str | None = None, key: str | None = None,
                  value: str | None = None) -> Change:
    """A correction by a person: a change recorded at the scene's head, checked against the Bible there.

    ``op == "create"`` takes ``key`` = kind and ``value`` = name, and gets the next free id of the tree.
    Raises BibleError with a readable reason when the change does not fit.
    """
    if scene.head_segment_id is None:
        raise BibleError("The scene has no finished segment to attach a correction to yet.")
    head = db.session.get(Segment, scene.head_segment_id)
    current = bible_at(head.id)
    if op == "create":
        if key not in KINDS:
            raise BibleError(f"Choose a kind: {', '.join(KINDS)}.")
        entity_id = current.next_id(key, used_ids_at(head))
    change = Change(head.id, (entity_id or "").strip().upper(), op, (key or "").strip() or None,
                    (value or "").strip() or None, user.username)
    apply(current, [change])  # raises BibleError when it contradicts the Bible's state
    db.session.add(BibleChange(segment_id=head.id, entity_public_id=change.entity_id, op=change.op,
                               key=change.key, value=change.value, author_id=user.id))
    if op == "create":
        db.session.add(BibleEntity(root_segment_id=_root_id(head), public_id=change.entity_id, kind=change.key,
                                   name=change.value, created_segment_id=head.id))
    db.session.commit()
    return change


def history(segment_id: int | None) -> list[BibleChange]:
    """Every change along the path to ``segment_id``, oldest first, with who made it."""
    if segment_id is None:
        return []
    order = {s.id: i for i, s in enumerate(segment_path(segment_id))}
    rows = db.session.scalars(select(BibleChange).where(BibleChange.segment_id.in_(order))).all()
    return sorted(rows, key=lambda r: (order[r.segment_id], r.id))


def entity_json(entity, public_ids: Mapping[int, str]) -> dict:
    """The entity as the API shows it, segments named by their public ids (``public_ids``: id → public id)."""
    def segment(segment_id: int | None) -> str | None:
        return public_ids.get(segment_id) if segment_id is not None else None

    return {
        "id": entity.id, "kind": entity.kind, "name": entity.name, "aliases": list(entity.aliases),
        "attributes": {k: {"value": a.value, "since_segment": segment(a.since_segment)}
                       for k, a in entity.attributes.items()},
        "facts": [{"name": f.name, "since_segment": segment(f.since_segment), "ended_segment": segment(f.ended_segment)}
                  for f in entity.facts.values()],
        "first_seen": segment(entity.first_seen), "last_seen": segment(entity.last_seen),
    }


def first_appearances(entities) -> dict[str, Segment]:
    """Each entity's reference still: the segment where it first appeared (its poster shows the entity), unless
    moderation took that segment out of view."""
    ids = {e.first_seen for e in entities if e.first_seen}
    segments = {s.id: s for s in db.session.scalars(select(Segment).where(Segment.id.in_(ids)))} if ids else {}
    shown = {i: s for i, s in segments.items() if s.poster_key and s.is_public_now}
    return {e.id: shown[e.first_seen] for e in entities if e.first_seen in shown}


def last_appearances(segment_id: int | None) -> dict[str, int]:
    """For each entity, the last segment on the path that named it or had it present."""
    seen: dict[str, int] = {}
    for segment in segment_path(segment_id):
        for entity_id in segment.planned.linked or []:
            seen[entity_id] = segment.id
    return seen
