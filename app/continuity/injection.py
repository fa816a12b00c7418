"""Keyed injection: the Bible entries an expanded prompt carries, in the same words every time.

A descriptor is ``"<id> <name>: <details>"``, e.g. ``"C1 Mara: red hair, blue coat, injured"``.
Details are the attributes in the order their keys were first established on
the path (a colour of a thing reads "red hair"; a prop's or place's ``colour``
reads just "green"; other keys read "age: 40"; a style lists its values), then
the current facts in the order they began. Nothing else goes in, so the same
Bible always gives the same words.

Entries come in a stated order: the scene's style, the location, entities named
in the prompt (in order of appearance), characters and props present in the last
segment, then up to ``recent`` (default 2) other characters and props, most
recently changed first. Dead or gone characters come in only when named. When
the lines, joined by newlines, pass the length budget, the lowest-priority
entries are dropped whole; a descriptor is never cut.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from app.continuity.bible import Bible, Entity
from app.continuity.vocabulary import THINGS
from app.continuity.wardrobe import is_item

DEFAULT_BUDGET = 600
DEFAULT_RECENT = 2

SCENE_STYLE = "scene style"
CURRENT_LOCATION = "current location"
NAMED = "named in prompt"
LAST_SEGMENT = "in last segment"
RECENT = "recent"

#: facts that keep an entity out of the frame unless the prompt names it
ABSENT_FACTS = ("dead", "gone")


def describe(entity: Entity) -> str:
    """The details of an entity's descriptor: "red hair, blue coat, injured" (may be empty)."""
    parts = []
    for key, attribute in entity.attributes.items():
        if entity.kind == "style" or key == "colour":
            parts.append(attribute.value)
        elif key in THINGS.values() or is_item(key):
            parts.append(f"{attribute.value} {key}")
        else:
            parts.append(f"{key}: {attribute.value}")
    parts.extend(fact.name for fact in entity.facts.values() if fact.active)
    return ", ".join(parts)


def descriptor(entity: Entity) -> str:
    """The canonical line for an entity: "C1 Mara: red hair, blue coat"."""
    details = describe(entity)
    return f"{entity.label}: {details}" if details else entity.label


@dataclass(frozen=True)
class InjectedEntry:
    """One injected descriptor and why: the reason, and the prompt's words that matched it."""

    entity_id: str
    kind: str
    name: str
    details: str
    reason: str
    matched: tuple[str, ...] = ()

    @property
    def line(self) -> str:
        return f"{self.entity_id} {self.name}: {self.details}" if self.details else f"{self.entity_id} {self.name}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["matched"] = list(self.matched)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InjectedEntry:
        """Back from ``to_dict`` (e.g. a segment's stored JSON), for the segment page."""
        return cls(data["entity_id"], data["kind"], data["name"], data.get("details", ""), data["reason"],
                   tuple(data.get("matched") or ()))


@dataclass(frozen=True)
class Injection:
    """The entries that fit the budget, in order, and those dropped for length."""

    entries: tuple[InjectedEntry, ...]
    dropped: tuple[InjectedEntry, ...]
    budget: int

    @property
    def lines(self) -> list[str]:
        return render_injected(self.entries)


def render_injected(entries: Iterable[InjectedEntry]) -> list[str]:
    """The descriptor lines for the expander, in injection order."""
    return [entry.line for entry in entries]


def continuity_note(entry: InjectedEntry) -> str:
    """What the segment page shows: "C1 Mara — red hair, blue coat — matched 'Mara's'"."""
    parts = [f"{entry.entity_id} {entry.name}"]
    if entry.details:
        parts.append(entry.details)
    if entry.matched:
        parts.append("matched " + ", ".join(f"'{words}'" for words in entry.matched))
    else:
        parts.append(entry.reason)
    return " — ".join(parts)


def _entry(entity: Entity, reason: str, matched: Sequence[str]) -> InjectedEntry:
    return InjectedEntry(entity.id, entity.kind, entity.name, describe(entity), reason, tuple(dict.fromkeys(matched)))


def compose(
    bible: Bible,
    *,
    named: Sequence[tuple[str, str]] = (),
    style_id: str | None = None,
    location_id: str | None = None,
    previous_entities: Sequence[str] = (),
    budget: int = DEFAULT_BUDGET,
    recent: int = DEFAULT_RECENT,
) -> Injection:
    """Choose and order the entries for one prompt.

    ``named`` is (entity id, the prompt's words) for each linked mention in prompt order;
    ``previous_entities`` the ids present in the last segment. The lines joined by newlines
    stay within ``budget`` characters; entries that would pass it are dropped, lowest priority first.
    """
    matched: dict[str, list[str]] = {}
    for entity_id, words in named:
        if bible.get(entity_id):
            matched.setdefault(entity_id, []).append(words)
    chosen: list[InjectedEntry] = []
    placed: set[str] = set()

    def add(entity: Entity | None, reason: str) -> None:
        if entity is not None and entity.id not in placed:
            placed.add(entity.id)
            words = matched.get(entity.id, [])
            chosen.append(_entry(entity, NAMED if words else reason, words))

    add(bible.get(style_id), SCENE_STYLE)
    add(bible.get(location_id), CURRENT_LOCATION)
    for entity_id in matched:
        add(bible.get(entity_id), NAMED)

    def present(entity: Entity | None) -> bool:
        return (entity is not None and entity.kind in ("character", "prop")
                and entity.active_fact(*ABSENT_FACTS) is None)

    for entity_id in previous_entities:
        if present(entity := bible.get(entity_id)):
            add(entity, LAST_SEGMENT)
    order = {entity_id: index for index, entity_id in enumerate(bible.entities)}
    candidates = sorted((e for e in bible.entities.values() if present(e) and e.id not in placed),
                        key=lambda e: (-e.last_seen, order[e.id]))
    for entity in candidates[:recent]:
        add(entity, RECENT)

    kept: list[InjectedEntry] = []
    length = -1
    for index, entry in enumerate(chosen):
        if length + 1 + len(entry.line) > budget:
            return Injection(tuple(kept), tuple(chosen[index:]), budget)
        length += 1 + len(entry.line)
        kept.append(entry)
    return Injection(tuple(kept), (), budget)
