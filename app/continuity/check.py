"""One entry point for a prompt: link it, check it, and choose what to inject.

``check_prompt`` takes the Bible of the segment the prompt continues (``bible_at(parent)``)
and returns everything the submission needs: errors (which stop it), warnings,
links, new entities, the Bible changes the prompt proposes (new entities, first
mentions of an attribute, stated changes), the injected entries with their
reasons, and the injection lines for the expander.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from app.continuity.bible import SET_ATTRIBUTE, Bible, Change, Entity, apply
from app.continuity.injection import (
    ABSENT_FACTS,
    DEFAULT_BUDGET,
    DEFAULT_RECENT,
    LAST_SEGMENT,
    NAMED,
    InjectedEntry,
    compose,
)
from app.continuity.mentions import Mention, NewEntity, Reading, read_prompt, setting_of
from app.continuity.rules import ERROR, Issue, Rule, RuleContext, run_rules
from app.continuity.wardrobe import slot_of


@dataclass(frozen=True)
class CheckResult:
    """The outcome of checking one prompt. ``ok`` is False when any error stops the submission."""

    prompt: str
    mentions: tuple[Mention, ...]
    errors: tuple[Issue, ...]
    warnings: tuple[Issue, ...]
    new_entities: tuple[NewEntity, ...]
    proposed_changes: tuple[Change, ...]
    injected: tuple[InjectedEntry, ...]
    dropped: tuple[InjectedEntry, ...]
    lines: tuple[str, ...]
    location_id: str | None
    style_id: str | None
    bible_after: Bible

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def links(self) -> tuple[Mention, ...]:
        """Mentions linked to an entity (known or new), in prompt order."""
        return tuple(m for m in self.mentions if m.linked)

    @property
    def linked_ids(self) -> list[str]:
        """Each linked entity once, in order of first mention."""
        return list(dict.fromkeys(m.entity_id for m in self.links if m.entity_id))

    def changes_for(self, segment_id: int, author: str | None = None) -> list[Change]:
        """The proposed changes stamped with the saved segment's id (and author), ready to store."""
        return [replace(c, segment_id=segment_id, author=author or c.author) for c in self.proposed_changes]

    def snapshot(self) -> dict[str, Any]:
        """What the renderer receives (``RenderRequest.bible``): injected style, location, characters, props.

        Only entities named in the prompt or present in the last segment are in frame, and
        characters who are dead or gone are left out.
        """
        def entity_dict(entity: Entity) -> dict[str, Any]:
            return {"id": entity.id, "name": entity.name,
                    "attributes": {key: value.value for key, value in entity.attributes.items()}}

        entities = [e for entry in self.injected
                    if entry.reason in (NAMED, LAST_SEGMENT) and (e := self.bible_after.get(entry.entity_id))]
        style = self.bible_after.get(self.style_id)
        location = self.bible_after.get(self.location_id)
        return {
            "style": entity_dict(style) if style else None,
            "location": entity_dict(location) if location else None,
            "characters": [entity_dict(e) for e in entities
                           if e.kind == "character" and e.active_fact(*ABSENT_FACTS) is None],
            "props": [entity_dict(e) for e in entities if e.kind == "prop"],
            "action": self.prompt,
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary for the API and for storing on the segment."""
        return {
            "ok": self.ok,
            "errors": [i.to_dict() for i in self.errors],
            "warnings": [i.to_dict() for i in self.warnings],
            "links": [{"text": m.text, "entity_id": m.entity_id, "kind": m.kind, "via": m.via,
                       "start": m.start, "end": m.end} for m in self.links],
            "new_entities": [{"id": n.id, "kind": n.kind, "name": n.name} for n in self.new_entities],
            "proposed_changes": [{"entity_id": c.entity_id, "op": c.op, "key": c.key, "value": c.value}
                                 for c in self.proposed_changes],
            "injected": [e.to_dict() for e in self.injected],
            "dropped": [e.to_dict() for e in self.dropped],
            "lines": list(self.lines),
            "location_id": self.location_id,
            "style_id": self.style_id,
        }


def _first_of_kind(bible: Bible, ids: Iterable[str], kind: str) -> str | None:
    return next((i for i in ids if (e := bible.get(i)) and e.kind == kind), None)


def _scene_style(bible: Bible, previous_entities: Sequence[str]) -> str | None:
    if found := _first_of_kind(bible, previous_entities, "style"):
        return found
    styles = bible.of_kind("style")
    return max(styles, key=lambda e: e.last_seen).id if styles else None


def propose_changes(bible: Bible, reading: Reading, segment_id: int = 0, author: str | None = None) -> list[Change]:
    """The Bible changes a prompt makes: creating its new entities, recording attributes the
    Bible does not have yet, and the changes it states. Claims on an established attribute
    propose nothing (they agree, or the contradiction rule reports them)."""
    changes = []
    for new in reading.new_entities:
        changes.append(Change.create(segment_id, new.id, new.kind, new.name, author))
        changes += [Change.add_alias(segment_id, new.id, alias, author) for alias in new.aliases]
    stated = {(s.entity_id, s.key) for s in reading.statements if s.op == SET_ATTRIBUTE}
    recorded: set[tuple[str, str]] = set()
    for claim in reading.claims:
        target = (claim.entity_id, claim.key)
        entity = bible.get(claim.entity_id)
        known = {slot_of(key) for key in entity.attributes} if entity is not None else set()
        if target in stated or target in recorded or slot_of(claim.key) in known:
            continue
        recorded.add(target)
        changes.append(Change.set_attribute(segment_id, claim.entity_id, claim.key, claim.value, author))
    for statement in reading.statements:
        changes.append(Change(segment_id, statement.entity_id, statement.op, statement.key, statement.value, author))
    return changes


def check_prompt(
    bible: Bible,
    prompt: str,
    *,
    segment_id: int = 0,
    parent_segment_id: int | None = None,
    previous_entities: Sequence[str] = (),
    location_id: str | None = None,
    style_id: str | None = None,
    used_ids: Iterable[str] = (),
    budget: int = DEFAULT_BUDGET,
    recent: int = DEFAULT_RECENT,
    author: str | None = None,
    rules: Sequence[Rule] | None = None,
    positions: Mapping[int, int] | None = None,
) -> CheckResult:
    """Link, check and compose the injection for ``prompt`` continuing a segment whose Bible is ``bible``.

    ``previous_entities``: ids present in the parent segment (e.g. its stored injected ids).
    ``location_id``/``style_id`` default to the first location/style among them (the style
    falls back to the most recently touched style entity). ``used_ids``: every id ever given
    out in the story tree, so new entities never reuse one from another branch.
    ``segment_id`` stamps the proposed changes; 0 means "not saved yet" (see ``changes_for``).
    ``positions`` (segment id → number in the scene) lets messages name segments as readers count them.
    """
    location_id = location_id or _first_of_kind(bible, previous_entities, "location")
    style_id = style_id or _scene_style(bible, previous_entities)
    reading = read_prompt(bible, prompt, used_ids)
    context = RuleContext(bible, reading, parent_segment_id=parent_segment_id,
                          location_id=location_id, style_id=style_id, positions=positions or {})
    issues = run_rules(context, rules)
    proposed = propose_changes(bible, reading, segment_id, author)
    after = apply(bible, proposed)
    setting = setting_of(reading)
    here = setting.entity_id if setting else location_id
    injection = compose(
        after,
        named=[(m.entity_id, m.text) for m in reading.mentions if m.entity_id],
        style_id=style_id,
        location_id=here,
        previous_entities=previous_entities,
        budget=budget,
        recent=recent,
    )
    return CheckResult(
        prompt=prompt,
        mentions=reading.mentions,
        errors=tuple(i for i in issues if i.severity == ERROR),
        warnings=tuple(i for i in issues if i.severity != ERROR),
        new_entities=reading.new_entities,
        proposed_changes=tuple(proposed),
        injected=injection.entries,
        dropped=injection.dropped,
        lines=tuple(injection.lines),
        location_id=here,
        style_id=style_id,
        bible_after=after,
    )
