"""People correcting a scene's Bible: editing an entity's card as a whole, and undoing one change.

Every correction is an ordinary Bible change at the scene's head (``correct_bible``, the scene's owner or a
moderator only), so later segments and new forks inherit them and the history shows them with who made them. An undo is a change too: the inverse of the
one undone, and an audit entry links the two so the history can say "undid …".
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from app import audit
from app.continuity import store
from app.continuity.bible import Bible, BibleError, Change, Entity, apply, fold
from app.continuity.store import bible_at, history
from app.extensions import db
from app.models import AuditEntry, BibleChange, Scene, User
from app.story.access import require_edit

UNDO_ACTION = "bible.undo"


@dataclass(frozen=True)
class Edit:
    op: str
    key: str | None = None
    value: str | None = None


def correct_bible(scene: Scene, user: User, *, op: str, entity_id: str | None = None, key: str | None = None,
                  value: str | None = None) -> Change:
    """Record one correction at the scene's head (``app.continuity.store.correct_bible``); Forbidden unless
    ``user`` owns the scene or moderates, BibleError when the change does not fit."""
    require_edit(scene, user)
    return store.correct_bible(scene, user, op=op, entity_id=entity_id, key=key, value=value)


def _entity(bible: Bible, entity_id: str) -> Entity:
    entity = bible.get(entity_id)
    if entity is None:
        raise BibleError("That entry isn't in this scene's Bible any more; reload the page to see it as it is.")
    return entity


def card_edits(entity: Entity, *, name: str, attributes: Mapping[str, str]) -> list[Edit]:
    """The changes that turn ``entity`` into the edited card: a new name, details set, details emptied (removed)."""
    edits = []
    name = " ".join((name or "").split())
    if not name:
        raise BibleError(f"{entity.name} needs a name; to retire it, add a fact such as “gone” instead.")
    if name != entity.name:
        edits.append(Edit("rename", value=name))
    for key, value in attributes.items():
        key, value = " ".join(key.split()).lower(), " ".join((value or "").split())
        if not key:
            if value:
                raise BibleError(f"Name the detail “{value}” describes, for example coat or hair.")
            continue
        current = entity.attributes.get(key)
        if value and (current is None or current.value != value):
            edits.append(Edit("set_attribute", key, value))
        elif not value and current is not None:
            edits.append(Edit("unset_attribute", key))
    return edits


def edit_entity(scene: Scene, user: User, entity_id: str, *, name: str, attributes: Mapping[str, str]) -> list[Edit]:
    """Record the edits of one entity card at the scene's head; all of them or, when one doesn't fit, none."""
    require_edit(scene, user)
    bible = bible_at(scene.head_segment_id)
    entity = _entity(bible, entity_id)
    edits = card_edits(entity, name=name, attributes=attributes)
    apply(bible, [Change(0, entity.id, e.op, e.key, e.value) for e in edits])  # every edit fits, or BibleError
    for edit in edits:
        correct_bible(scene, user, op=edit.op, entity_id=entity.id, key=edit.key, value=edit.value)
    return edits


def _on_path(scene: Scene, change_id: int) -> tuple[list[BibleChange], int]:
    rows = history(scene.head_segment_id)
    for index, row in enumerate(rows):
        if row.id == change_id:
            return rows, index
    raise BibleError("That change isn't part of this scene's Bible.")


def inverse(rows: list[BibleChange], index: int) -> Edit:
    """The change that puts back what ``rows[index]`` changed, while its effect is still what the Bible says."""
    row = rows[index]
    as_change = [Change(r.segment_id, r.entity_public_id, r.op, r.key, r.value) for r in rows]
    before = fold(as_change[:index]).get(row.entity_public_id)
    now = fold(as_change).get(row.entity_public_id)
    if before is None or now is None:
        raise BibleError("Adding an entry can't be undone; add a fact such as “gone” to retire it.")
    key = row.key or ""
    superseded = BibleError(f"{now.name}'s {key or 'name'} has changed again since; edit the card instead.")
    if row.op in ("set_attribute", "unset_attribute"):
        current = now.attributes.get(key)
        if (current.value if current else None) != (row.value if row.op == "set_attribute" else None):
            raise superseded
        prior = before.attributes.get(key)
        return Edit("set_attribute", key, prior.value) if prior else Edit("unset_attribute", key)
    if row.op in ("add_fact", "end_fact"):
        fact = now.facts.get(key)
        if bool(fact and fact.active) != (row.op == "add_fact"):
            raise superseded
        return Edit("end_fact", key) if row.op == "add_fact" else Edit("add_fact", key)
    if row.op == "rename":
        if now.name != row.value:
            raise superseded
        return Edit("rename", value=before.name)
    raise BibleError("An added alias can't be undone here.")


def undo_change(scene: Scene, user: User, change_id: int) -> Edit:
    """Undo one change of the scene's Bible by recording its inverse (with an audit entry naming both)."""
    require_edit(scene, user)
    rows, index = _on_path(scene, change_id)
    edit = inverse(rows, index)
    row = rows[index]
    correct_bible(scene, user, op=edit.op, entity_id=row.entity_public_id, key=edit.key, value=edit.value)
    undone_by = db.session.scalars(select(BibleChange.id).where(BibleChange.segment_id == scene.head_segment_id)
                                   .order_by(BibleChange.id.desc()).limit(1)).one()
    audit.record(user, UNDO_ACTION, "bible_change", row.id, f"undo on {scene.public_id}",
                 before={"op": row.op, "key": row.key, "value": row.value},
                 after={"change_id": undone_by, "op": edit.op, "key": edit.key, "value": edit.value})
    db.session.commit()
    return edit


def undos(rows: list[BibleChange]) -> dict[int, int]:
    """For the changes in ``rows`` that undid another: their id → the id of the change they undid."""
    if not rows:
        return {}
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == UNDO_ACTION, AuditEntry.target_id.in_([str(r.id) for r in rows])))
    return {int(e.after["change_id"]): int(e.target_id) for e in entries if e.after and "change_id" in e.after}


def undoable(rows: list[BibleChange], recent: int = 30) -> set[int]:
    """The ids of the latest ``recent`` changes that can still be undone (their effect is still in the Bible)."""
    found = set()
    for index in range(max(0, len(rows) - recent), len(rows)):
        try:
            inverse(rows, index)
        except BibleError:
            continue
        found.add(rows[index].id)
    return found
