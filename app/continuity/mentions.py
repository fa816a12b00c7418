"""Mentions of entities in a prompt: the data a reading produces, and linking names to the Bible.

``read_prompt`` reads a prompt with the dependency parse (:mod:`app.continuity.reading`); this
module holds what every reading shares:

- the data: :class:`Mention` (``via`` is "name", "alias", "id", "new" or "pronoun"),
  :class:`NewEntity`, :class:`Claim`, :class:`Statement`, :class:`Reading`;
- ``link_mentions``: known names and aliases (case-insensitive, whole words, plural and
  possessive forms: "lanterns", "Mara's", "Mara’s", "James'"), explicit ids ("C1"),
  ambiguous words (one alias on two entities) and the new names a finder proposes, each
  given the next free id of its kind; props by a list of common objects;
- ``setting_of``: where the prompt takes place.

States (dies, vanishes, returns) and whether a mention acts are read by
:mod:`app.continuity.grammar`, as is the earlier grammar reading ``read_by_grammar``.
The words all of them use are in :mod:`app.continuity.vocabulary`.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from app.continuity.bible import KIND_OF_PREFIX, Bible
from app.continuity.vocabulary import (
    COLOUR_FAMILIES,
    NOT_NAMES,
    PLACE_NOUNS,
    PROP_NOUNS,
    THINGS,
    TITLES,
    alternation,
)

_ARTICLES = ("the", "a", "an")
#: kept at the start of a longer name ("Old Tom", "New Haven", "Captain Reyes"), never a name alone
_NAME_STARTERS = TITLES | {"new", "north", "south", "east", "west", "upper", "lower", "great", "san", "st", "mount"}
_SKIPPABLE = NOT_NAMES | _NAME_STARTERS
_PLACE_PREPOSITIONS = frozenset({"at", "in", "into", "inside", "toward", "towards", "through", "across", "near",
                                 "outside", "onto", "within", "beneath", "above", "around", "enters", "reaches",
                                 "visits", "leaves"})
#: "the streets of Paris": a name after one of these and "of" is a place
_PART_OF_PLACE = frozenset({"streets", "city", "town", "village", "outskirts", "edge", "centre", "center", "heart",
                            "port", "ruins", "rooftops", "roofs", "gates", "walls", "shores", "coast", "island",
                            "kingdom", "land", "hills", "harbour", "harbor", "docks", "road", "way"})
_MOTION_VERBS = frozenset({"go", "goes", "went", "travels", "travelled", "traveled", "walks", "walked", "runs",
                           "ran", "drives", "drove", "sails", "sailed", "flies", "flew", "returns", "returned",
                           "heads", "headed", "moves", "moved", "comes", "came", "rides", "rode", "hurries",
                           "races", "back", "way", "escapes", "flees", "fled"})


_COLOUR = alternation(COLOUR_FAMILIES)
_POSSESSIVE_TAIL = re.compile(r"(?:['’]s|(?<=s)['’])$")
_EXPLICIT_ID = re.compile(r"(?<![\w])(?P<id>[CLPS][1-9][0-9]*)(?P<poss>['’]s)?(?![\w])")
_CAP_WORD = r"[A-Z][a-z]*(?:[-'’][A-Za-z]+)*"
_NAME_RUN = re.compile(
    rf"\b{_CAP_WORD}(?:(?:\s+(?:of\s+the|of|de|del|da|van|von|du|la|le))?\s+{_CAP_WORD})*")
_NEW_PROP = re.compile(
    rf"\b(?:a|an|the|her|his|their|its|my|your)\s+(?:(?:{_COLOUR}|old|small|little|big|tiny|heavy|rusty|broken)\s+)?"
    rf"(?P<noun>{alternation(PROP_NOUNS)})(?:s|es)?\b", re.I)
_SENTENCE_END = re.compile(r"[.!?;]+|\n")


# --- data -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    """Words in the prompt that name an entity.

    ``via`` is "name", "alias", "id" or "new". ``entity_id`` is None when the words are
    ambiguous (``candidates`` lists the entities they could mean) or an id the Bible lacks.
    """

    text: str
    start: int
    end: int
    entity_id: str | None
    kind: str | None
    via: str
    candidates: tuple[str, ...] = ()
    possessive: bool = False
    acts: bool = False

    @property
    def linked(self) -> bool:
        return self.entity_id is not None

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


@dataclass(frozen=True)
class NewEntity:
    """A name the Bible does not know, with the id it will get."""

    id: str
    kind: str
    name: str
    text: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Claim:
    """An attribute the prompt gives an entity, e.g. ``C1 hair = blonde`` from "blonde Mara"."""

    entity_id: str
    key: str
    value: str
    text: str


@dataclass(frozen=True)
class Statement:
    """A change the prompt states ("Mara dyes her hair blonde"): the Bible change it proposes."""

    entity_id: str
    op: str
    key: str
    value: str | None
    text: str


@dataclass(frozen=True)
class Linking:
    """Every mention in prompt order, and the new entities among them in id order."""

    mentions: tuple[Mention, ...]
    new_entities: tuple[NewEntity, ...]

    @property
    def links(self) -> tuple[Mention, ...]:
        return tuple(m for m in self.mentions if m.linked)


@dataclass(frozen=True)
class Reading(Linking):
    """A linking plus what the prompt claims and states about the linked entities."""

    prompt: str = ""
    claims: tuple[Claim, ...] = ()
    statements: tuple[Statement, ...] = ()

    def statement(self, entity_id: str, op: str, key: str | None = None) -> Statement | None:
        """The first statement of ``op`` (and ``key``) on ``entity_id``."""
        return next((s for s in self.statements
                     if s.entity_id == entity_id and s.op == op and (key is None or s.key == key)), None)


# --- linking ----------------------------------------------------------------------------------


def _surface_words(surface: str) -> tuple[str, ...]:
    words = surface.casefold().split()
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return tuple(words)


def _form_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    *head, last = words
    if len(last) > 2 and last.endswith("y") and last[-2] not in "aeiou":
        last_pattern = re.escape(last[:-1]) + "(?:y|ies)"
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        last_pattern = re.escape(last) + "(?:es)?"
    else:
        last_pattern = re.escape(last) + "(?:s|es)?"
    body = r"\s+".join([*(re.escape(w) for w in head), last_pattern])
    return re.compile(rf"(?<![\w]){body}(?P<poss>['’]s|(?<=s)['’])?(?![\w])", re.I)


def overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < s_end and s_start < end for s_start, s_end in spans)


def sentence_start(prompt: str, position: int) -> int:
    start = 0
    for match in _SENTENCE_END.finditer(prompt, 0, position):
        start = match.end()
    return start


def _words_before(prompt: str, position: int, count: int) -> list[str]:
    text = prompt[sentence_start(prompt, position):position]
    return [w.strip(",.;:'’\"").casefold() for w in text.split()][-count:]


def _new_kind(prompt: str, start: int, words: list[str], possessive: bool) -> str:
    first, last = words[0].casefold(), words[-1].casefold()
    if last in PLACE_NOUNS:
        return "location"
    if first in TITLES or possessive:
        return "character"
    before = _words_before(prompt, start, 3)
    had_article = bool(before) and before[-1] in _ARTICLES
    if had_article:
        before.pop()
    if before and before[-1] in _PLACE_PREPOSITIONS:
        return "location"
    if len(before) > 1 and before[-1] == "of" and before[-2] in _PART_OF_PLACE:
        return "location"
    if before and before[-1] in {"to", "from"} and (had_article or (len(before) > 1 and before[-2] in _MOTION_VERBS)):
        return "location"
    return "character"


def _is_sentence_opening(prompt: str, start: int) -> bool:
    return not prompt[sentence_start(prompt, start):start].strip(" \t\"'“‘(")


def _common_opening(word: str, rest: str) -> bool:
    """Whether a lone capitalised word opening a sentence is an ordinary word: an adverb or
    participle ("Slowly", "Walking"), or a plural subject ("Waves crash", unlike "James walks")."""
    if word.casefold().endswith(("ly", "ing", "ed")):
        return True
    following = re.match(r"\s+([a-z]+)\b", rest)
    return (word.endswith("s") and following is not None and not following.group(1).endswith("s")
            and following.group(1) not in NOT_NAMES)


def _new_names(prompt: str, taken: list[tuple[int, int]]) -> list[tuple[int, int, str, str, bool]]:
    """Capitalised runs that are not known names: (start, end, name, kind, possessive)."""
    found = []
    for run in _NAME_RUN.finditer(prompt):
        words = [(m.start() + run.start(), m.group(0)) for m in re.finditer(r"\S+", run.group(0))]
        while words and (first := _POSSESSIVE_TAIL.sub("", words[0][1]).casefold()) in _SKIPPABLE:
            if first in _NAME_STARTERS and len(words) > 1:
                break
            words.pop(0)
        while words and words[-1][1].casefold() in {"of", "the", "de", "del", "da", "van", "von", "du", "la", "le"}:
            words.pop()
        if not words:
            continue
        start, end = words[0][0], words[-1][0] + len(words[-1][1])
        if overlaps(start, end, taken):
            continue
        first = words[0][1]
        if len(words) == 1 and _is_sentence_opening(prompt, start) and _common_opening(first, prompt[end:]):
            continue
        possessive = bool(_POSSESSIVE_TAIL.search(words[-1][1]))
        if prompt[end:end + 1] in ("'", "’") and words[-1][1].endswith("s") and not prompt[end + 1:end + 2].isalpha():
            possessive, end = True, end + 1  # "James'"
        names = [w for _, w in words]
        names[-1] = _POSSESSIVE_TAIL.sub("", names[-1])
        if names[-1].casefold() in COLOUR_FAMILIES or names[-1].casefold() in THINGS:
            continue
        found.append((start, end, " ".join(names), _new_kind(prompt, start, names, possessive), possessive))
    return found


def link_mentions(bible: Bible, prompt: str, used_ids: Iterable[str] = (),
                  names: Callable[[list[tuple[int, int]]], Iterable[Any]] | None = None) -> Linking:
    """Every mention of an entity in ``prompt``: known names, aliases and ids, and new names.

    Longer names win over shorter ones they contain ("Old Tom" over "Tom"). A new name
    gets the next id of its kind after everything on this path and in ``used_ids``.
    ``names`` finds the new names outside the spans already linked (objects with start,
    end, name, kind, possessive and aliases); by default capitalised runs are taken for names.
    """
    used = list(used_ids)
    mentions: list[Mention] = []
    taken: list[tuple[int, int]] = []

    for match in _EXPLICIT_ID.finditer(prompt):
        entity = bible.get(match.group("id"))
        kind = entity.kind if entity else KIND_OF_PREFIX[match.group("id")[0]]
        mentions.append(Mention(match.group(0), match.start(), match.end(), entity.id if entity else None, kind, "id",
                                possessive=bool(match.group("poss"))))
        taken.append((match.start(), match.end()))

    forms: dict[tuple[str, ...], dict[str, str]] = {}
    for entity in bible.entities.values():
        for index, surface in enumerate(entity.names):
            words = _surface_words(surface)
            if words:
                forms.setdefault(words, {}).setdefault(entity.id, "name" if index == 0 else "alias")
    hits = []
    for words, owners in forms.items():
        for match in _form_pattern(words).finditer(prompt):
            hits.append((match.start(), -(match.end() - match.start()), match, owners))
    hits.sort(key=lambda hit: (hit[0], hit[1]))
    for start, _, match, owners in hits:
        if overlaps(start, match.end(), taken):
            continue
        taken.append((start, match.end()))
        possessive = bool(match.group("poss"))
        ids = list(owners)
        if len(ids) == 1:
            entity = bible.entities[ids[0]]
            mentions.append(Mention(match.group(0), start, match.end(), entity.id, entity.kind, owners[entity.id],
                                    possessive=possessive))
        else:
            ordered = tuple(i for i in bible.entities if i in owners)
            kinds = {bible.entities[i].kind for i in ordered}
            mentions.append(Mention(match.group(0), start, match.end(), None, kinds.pop() if len(kinds) == 1 else None,
                                    "alias", candidates=ordered, possessive=possessive))

    if names is None:
        found = [(start, end, name, kind, possessive, prompt[start:end], ())
                 for start, end, name, kind, possessive in _new_names(prompt, taken)]
    else:
        found = [(n.start, n.end, n.name, n.kind, n.possessive, prompt[n.start:n.end], tuple(n.aliases))
                 for n in names(list(taken))]
    proposals: list[tuple[int, int, str, str, bool, str, tuple[str, ...]]] = found
    taken.extend((p[0], p[1]) for p in proposals)
    for match in _NEW_PROP.finditer(prompt):
        start, end = match.start("noun"), match.end()
        if not overlaps(start, end, taken):
            proposals.append((start, end, match.group("noun").casefold(), "prop", False, prompt[start:end], ()))
            taken.append((start, end))
    proposals.sort()

    new_by_name: dict[tuple[str, str], NewEntity] = {}
    for start, end, name, kind, possessive, text, aliases in proposals:
        key = (kind, name.casefold())
        if key not in new_by_name:
            new_id = bible.next_id(kind, used)
            used.append(new_id)
            new_by_name[key] = NewEntity(new_id, kind, name, text, aliases)
        mentions.append(Mention(text, start, end, new_by_name[key].id, kind, "new", possessive=possessive))

    mentions.sort(key=lambda m: m.start)
    return Linking(mentions=tuple(mentions), new_entities=tuple(new_by_name.values()))


def read_prompt(bible: Bible, prompt: str, used_ids: Iterable[str] = ()) -> Reading:
    """Link ``prompt`` to ``bible`` and read, from its parse, what it says about the linked entities."""
    from app.continuity.reading import read_prompt as read_parsed

    return read_parsed(bible, prompt, used_ids)


def setting_of(reading: Reading) -> Mention | None:
    """The location the prompt takes place in: the first place after "at/in/into/inside …", else the first place."""
    places = [m for m in reading.mentions if m.linked and m.kind == "location"]
    for mention in places:
        before = _words_before(reading.prompt, mention.start, 2)
        if before and before[-1] in _ARTICLES:
            before.pop()
        if before and before[-1] in {"at", "in", "into", "inside", "within", "on", "enters", "reaches"}:
            return mention
    return places[0] if places else None
