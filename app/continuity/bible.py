"""The Scene Bible as plain data, and the fold that builds it from changes.

A story tree's Bible is never stored whole: each segment records the
:class:`Change` list it made, and the Bible at a segment is the fold of the
changes along its ancestor path, root first. A fork therefore sees exactly the
Bible of its fork point. ``fold`` and ``apply`` are pure: the same changes in
the same order always give an equal Bible, so ``bible_at(segment)`` can be
cached as ``apply(bible_at(parent), changes_of(segment))``.

Ids are ``C``/``L``/``P``/``S`` plus a number, per kind, assigned in order and
never reused within a tree. A path only knows its own ids, so callers pass
``used_ids`` (every id ever assigned in the tree) to :meth:`Bible.next_id` and a
fork never takes an id a sibling branch already gave out.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

KINDS = ("character", "location", "prop", "style")
PREFIXES: Mapping[str, str] = MappingProxyType({"character": "C", "location": "L", "prop": "P", "style": "S"})
KIND_OF_PREFIX: Mapping[str, str] = MappingProxyType({prefix: kind for kind, prefix in PREFIXES.items()})

CREATE = "create"
SET_ATTRIBUTE = "set_attribute"
UNSET_ATTRIBUTE = "unset_attribute"
ADD_FACT = "add_fact"
END_FACT = "end_fact"
RENAME = "rename"
ADD_ALIAS = "add_alias"
OPS = (CREATE, SET_ATTRIBUTE, UNSET_ATTRIBUTE, ADD_FACT, END_FACT, RENAME, ADD_ALIAS)

#: what each op needs: (key required, value required)
_OP_FIELDS: Mapping[str, tuple[bool, bool]] = MappingProxyType(
    {
        CREATE: (True, True),  # key = kind, value = name
        SET_ATTRIBUTE: (True, True),
        UNSET_ATTRIBUTE: (True, False),
        ADD_FACT: (True, False),  # key = fact name ("dead", "injured", "at L2"); value = optional note
        END_FACT: (True, False),
        RENAME: (False, True),
        ADD_ALIAS: (False, True),
    }
)

ENTITY_ID = re.compile(r"^([CLPS])([1-9][0-9]*)$")


class BibleError(ValueError):
    """A change that cannot apply to the Bible it was given (unknown entity, duplicate id, bad op)."""


def parse_id(entity_id: str) -> tuple[str, int]:
    """``"C12"`` → ``("C", 12)``; raises :class:`BibleError` for anything else."""
    match = ENTITY_ID.match(entity_id or "")
    if not match:
        raise BibleError(f"{entity_id!r} is not an entity id: use C, L, P or S followed by a number, e.g. C1.")
    return match.group(1), int(match.group(2))


@dataclass(frozen=True)
class Change:
    """One Bible change made by one segment; maps one-to-one onto a ``BibleChange`` row.

    ``create``: key = kind, value = name. ``set_attribute``: key → value.
    ``unset_attribute``/``end_fact``: key. ``add_fact``: key = fact, value = optional note.
    ``rename``/``add_alias``: value = the new name or alias.
    """

    segment_id: int
    entity_id: str
    op: str
    key: str | None = None
    value: str | None = None
    author: str | None = None

    def __post_init__(self) -> None:
        if self.op not in _OP_FIELDS:
            raise BibleError(f"Unknown Bible operation {self.op!r}; use one of {', '.join(OPS)}.")
        prefix, _ = parse_id(self.entity_id)
        needs_key, needs_value = _OP_FIELDS[self.op]
        if needs_key and not (self.key or "").strip():
            raise BibleError(f"{self.op} on {self.entity_id} needs a key.")
        if needs_value and not (self.value or "").strip():
            raise BibleError(f"{self.op} on {self.entity_id} needs a value.")
        if self.op == CREATE and PREFIXES.get(self.key or "") != prefix:
            raise BibleError(f"{self.entity_id} cannot be a {self.key}: a {self.key}'s id starts with "
                             f"{PREFIXES.get(self.key or '', '?')} (kinds: {', '.join(KINDS)}).")

    @classmethod
    def create(cls, segment_id: int, entity_id: str, kind: str, name: str, author: str | None = None) -> Change:
        return cls(segment_id, entity_id, CREATE, kind, name, author)

    @classmethod
    def set_attribute(cls, segment_id: int, entity_id: str, key: str, value: str, author: str | None = None) -> Change:
        return cls(segment_id, entity_id, SET_ATTRIBUTE, key, value, author)

    @classmethod
    def unset_attribute(cls, segment_id: int, entity_id: str, key: str, author: str | None = None) -> Change:
        return cls(segment_id, entity_id, UNSET_ATTRIBUTE, key, None, author)

    @classmethod
    def add_fact(cls, segment_id: int, entity_id: str, fact: str, note: str | None = None,
                 author: str | None = None) -> Change:
        return cls(segment_id, entity_id, ADD_FACT, fact, note, author)

    @classmethod
    def end_fact(cls, segment_id: int, entity_id: str, fact: str, author: str | None = None) -> Change:
        return cls(segment_id, entity_id, END_FACT, fact, None, author)

    @classmethod
    def rename(cls, segment_id: int, entity_id: str, name: str, author: str | None = None) -> Change:
        return cls(segment_id, entity_id, RENAME, None, name, author)

    @classmethod
    def add_alias(cls, segment_id: int, entity_id: str, alias: str, author: str | None = None) -> Change:
        return cls(segment_id, entity_id, ADD_ALIAS, None, alias, author)


@dataclass(frozen=True)
class AttributeValue:
    """An attribute's current value and the segment that set it."""

    value: str
    since_segment: int


@dataclass(frozen=True)
class Fact:
    """A state fact ("dead", "gone", "injured", "at L2") with the segments where it began and ended."""

    name: str
    since_segment: int
    ended_segment: int | None = None
    note: str | None = None

    @property
    def active(self) -> bool:
        return self.ended_segment is None


@dataclass(frozen=True)
class Entity:
    """One character, location, prop or style as of some segment.

    ``attributes`` keep the order in which each key was first established on the
    path (a new value keeps the key's place; an unset key that returns goes last),
    which is the order descriptors list them in.
    """

    id: str
    kind: str
    name: str
    aliases: tuple[str, ...] = ()
    attributes: Mapping[str, AttributeValue] = field(default_factory=dict)
    facts: Mapping[str, Fact] = field(default_factory=dict)
    first_seen: int = 0
    last_seen: int = 0

    @property
    def label(self) -> str:
        """``"C1 Mara"``: how messages name an entity."""
        return f"{self.id} {self.name}"

    @property
    def names(self) -> tuple[str, ...]:
        """The name first, then the aliases."""
        return (self.name, *self.aliases)

    def active_fact(self, *names: str) -> Fact | None:
        """The first of ``names`` that is an active fact of this entity, if any."""
        for name in names:
            fact = self.facts.get(name)
            if fact is not None and fact.active:
                return fact
        return None


@dataclass(frozen=True)
class Bible:
    """Every entity on a path, by id in creation order, and the next number per id prefix."""

    entities: Mapping[str, Entity] = field(default_factory=dict)
    next_numbers: Mapping[str, int] = field(default_factory=lambda: {prefix: 1 for prefix in KIND_OF_PREFIX})

    def get(self, entity_id: str | None) -> Entity | None:
        return self.entities.get(entity_id or "")

    def of_kind(self, kind: str) -> list[Entity]:
        """Entities of ``kind`` in creation order."""
        return [entity for entity in self.entities.values() if entity.kind == kind]

    def next_id(self, kind: str, used_ids: Iterable[str] = ()) -> str:
        """The id a new ``kind`` entity gets: one past every number this path, or ``used_ids``, has used."""
        prefix = PREFIXES[kind]
        number = self.next_numbers.get(prefix, 1)
        for used in used_ids:
            match = ENTITY_ID.match(used)
            if match and match.group(1) == prefix:
                number = max(number, int(match.group(2)) + 1)
        return f"{prefix}{number}"


EMPTY = Bible()


def _same(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


def _apply_one(entities: dict[str, Entity], numbers: dict[str, int], change: Change) -> None:
    entity = entities.get(change.entity_id)
    if change.op == CREATE:
        if entity is not None:
            raise BibleError(f"{change.entity_id} already exists ({entity.name}); ids are never reused.")
        prefix, number = parse_id(change.entity_id)
        numbers[prefix] = max(numbers.get(prefix, 1), number + 1)
        entities[change.entity_id] = Entity(
            id=change.entity_id, kind=change.key or "", name=(change.value or "").strip(),
            first_seen=change.segment_id, last_seen=change.segment_id,
        )
        return
    if entity is None:
        raise BibleError(f"{change.op} on {change.entity_id} at segment {change.segment_id}: "
                         f"{change.entity_id} is not in the Bible of this path.")
    key = (change.key or "").strip()
    if change.op == SET_ATTRIBUTE:
        attributes = dict(entity.attributes)
        attributes[key] = AttributeValue((change.value or "").strip(), change.segment_id)
        entity = replace(entity, attributes=attributes)
    elif change.op == UNSET_ATTRIBUTE:
        if key not in entity.attributes:
            raise BibleError(f"{entity.label} has no attribute {key!r} to unset.")
        entity = replace(entity, attributes={k: v for k, v in entity.attributes.items() if k != key})
    elif change.op == ADD_FACT:
        facts = dict(entity.facts)
        current = facts.get(key)
        if current is None or not current.active:
            facts[key] = Fact(key, change.segment_id, None, change.value)
        entity = replace(entity, facts=facts)
    elif change.op == END_FACT:
        current = entity.facts.get(key)
        if current is None or not current.active:
            raise BibleError(f"{entity.label} has no current fact {key!r} to end.")
        entity = replace(entity, facts={**entity.facts, key: replace(current, ended_segment=change.segment_id)})
    elif change.op == RENAME:
        # the old name stays an alias, so earlier wording ("the stranger") still links
        new_name = (change.value or "").strip()
        aliases = [a for a in entity.aliases if not _same(a, new_name)]
        if not _same(entity.name, new_name):
            aliases.append(entity.name)
        entity = replace(entity, name=new_name, aliases=tuple(aliases))
    elif change.op == ADD_ALIAS:
        alias = (change.value or "").strip()
        if not any(_same(alias, known) for known in entity.names):
            entity = replace(entity, aliases=(*entity.aliases, alias))
    entities[change.entity_id] = replace(entity, last_seen=max(entity.last_seen, change.segment_id))


def apply(bible: Bible, changes: Iterable[Change]) -> Bible:
    """The Bible after ``changes`` (in order) on top of ``bible``; ``bible`` itself is untouched.

    Raises :class:`BibleError` when a change does not fit (an id created twice, a change to
    an entity the path does not know, ending a fact that is not current).
    """
    entities = dict(bible.entities)
    numbers = dict(bible.next_numbers)
    for change in changes:
        _apply_one(entities, numbers, change)
    return Bible(entities=entities, next_numbers=numbers)


def fold(changes: Iterable[Change]) -> Bible:
    """The Bible made by ``changes`` given in ancestor-path order (root segment first)."""
    return apply(EMPTY, changes)
