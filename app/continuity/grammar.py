"""The earlier reading of a prompt by a small hand-written grammar, and the states both readings share.

- ``read_states``: dies / is killed / kills X → dead, vanishes / leaves forever → gone,
  returns / comes back / is revived → ends dead or gone, is injured → injured, heals →
  ends injured; and whether each character mention *acts* (stands as the subject of its
  clause and is not a reference: "remembers Mara", "Mara's grave", "the ghost of Mara").
  The parse reading (:mod:`app.continuity.reading`) uses it too.
- ``read_by_grammar``: colours only, the nearest name before a verb as its subject, no
  pronouns; ``bench/continuity.py`` measures it beside the parse.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from app.continuity.bible import ADD_FACT, END_FACT, SET_ATTRIBUTE, UNSET_ATTRIBUTE, Bible, Entity
from app.continuity.mentions import (
    Claim,
    Linking,
    Mention,
    Reading,
    Statement,
    link_mentions,
    overlaps,
    sentence_start,
)
from app.continuity.vocabulary import COLOUR_FAMILIES, HAIR_COLOURS, THINGS, alternation

#: words allowed between a colour and its thing ("red wool coat", "long red hair" needs none)
_BETWEEN = ("wool", "woollen", "woolen", "leather", "silk", "velvet", "cotton", "denim", "fur", "long", "short",
            "curly", "straight", "wavy", "heavy", "knitted", "tattered", "faded", "shaggy", "cropped", "flowing")
#: words that may stand between an owner and a colour ("Mara's long red hair")
_DESCRIBING = frozenset(_BETWEEN) | {"new", "old", "favourite", "favorite", "bright", "dark", "light", "pale", "deep"}
_COLOUR = alternation(COLOUR_FAMILIES)
_THING = alternation(THINGS)
_DET = r"(?:(?:a|an|the|her|his|their|its)\s+)"
#: "red coat", "red wool coat", "blue eyes"
_COLOUR_THING = re.compile(
    rf"\b(?P<colour>{_COLOUR})(?:[\s-]+(?:{alternation(_BETWEEN)}))?\s+(?P<thing>{_THING})\b", re.I)
#: "red-haired", "blue-eyed"
_COLOUR_HAIRED = re.compile(rf"\b(?P<colour>{_COLOUR})-(?P<thing>haired|eyed)\b", re.I)
#: between a character and the colour phrase that belongs to them
_CONNECTOR = re.compile(
    r"^\s*,?\s*(?:who\s+)?(?:is\s+|now\s+)?(?:in|wearing|wears|with|has|dressed\s+in|sporting|in\s+(?:her|his|their))"
    rf"\s+{_DET}?$", re.I)
_CLAUSE_BREAK = re.compile(
    r"[,:;—–()]|\s-\s|\b(?:while|as|when|then|but|because|after|before|until|so|where|whereas)\b", re.I)
#: words that may stand before a subject in its clause ("Later, old Mara walks")
_SUBJECT_FILLER = frozenset({"and", "then", "later", "now", "suddenly", "meanwhile", "slowly", "quietly",
                             "finally", "again", "still", "the", "a", "an", "old", "young", "little", "poor",
                             "brave", "both", "together", "soon", "once", "at", "last", "first", "next", "in",
                             "on", "dawn", "dusk", "night", "noon", "midnight", "morning", "evening", "sunset",
                             "sunrise", "this", "that", "same", "moment", "instant"})
#: a present-tense verb right after a name ("Mara walks", "Mara slowly opens", "Mara is")
_VERB_AFTER = re.compile(r"^\s+(?:[a-z]+ly\s+)?(?:is|was|has|can|will|does|did|[a-z]+s)\b")
_REFERENCE_BEFORE = re.compile(
    r"\b(?:remembers?|remembered|remembering|recalls?|recalled|mourns?|mourned|mourning|misses|missed|"
    r"(?:thinks|thought|dreams|dreamed|dreamt|speaks|spoke|talks|talked|sings|writes)\s+(?:of|about)|"
    r"(?:weeps|wept|grieves|grieved|prays)\s+for|grieves|ghost\s+of|spirit\s+of|memory\s+of|memories\s+of|"
    r"grave\s+of|tomb\s+of|body\s+of|corpse\s+of|photo(?:graph)?\s+of|picture\s+of|portrait\s+of|"
    r"statue\s+of|funeral\s+of|name\s+of|the\s+late|buries|buried|avenges|avenged)\s+(?:the\s+|old\s+)?$",
    re.I)
_REFERENCE_AFTER = re.compile(
    r"^\s+(?:(?:lies|lay|is\s+lying|rests)\s+(?:dead|motionless|lifeless|still|in\s+state)|"
    r"is\s+(?:remembered|mourned|buried|dead|gone|missed|no\s+more))\b", re.I)

# --- stated changes ---------------------------------------------------------------------------

_DYE = re.compile(
    rf"\b(?:dyes?|dyed|dyeing|colou?rs?|colou?red)\s+(?:her|his|their|the)\s+(?P<thing>hair|beard|moustache|mustache)"
    rf"\s+(?P<colour>{_COLOUR})\b", re.I)
_PUT_ON = re.compile(
    r"\b(?:chang(?:es|ed|ing|e)\s+into|now\s+(?:wears|wearing|is\s+wearing|has)|(?:puts?|putting)\s+on|"
    r"(?:slips?|slipped)\s+into|(?:swaps?|switch(?:es)?)\s+(?:to|into))\s+"
    rf"{_DET}?(?:new\s+)?(?P<colour>{_COLOUR})(?:[\s-]+(?:{alternation(_BETWEEN)}))?\s+(?P<thing>{_THING})\b", re.I)
_CHANGE_TO = re.compile(
    rf"\b(?:chang(?:es|ed|ing|e)|switch(?:es|ed)?)\s+(?:her|his|their)\s+(?P<thing>{_THING})\s+to\s+"
    rf"(?P<colour>{_COLOUR})\b", re.I)
_TURNS = re.compile(
    rf"(?:['’]s|\b(?:her|his|their))\s+(?:{alternation(_BETWEEN)}\s+)?(?P<thing>{_THING})\s+"
    rf"(?:turns?|turned|goes|went|has\s+turned|becomes?|became)\s+(?P<colour>{_COLOUR})\b", re.I)
_TAKE_OFF = re.compile(
    rf"\b(?:(?:takes?|took|taking)\s+off|removes?|removed|removing|sheds?)\s+{_DET}?(?:{_COLOUR}\s+)?"
    rf"(?P<thing>{_THING})\b", re.I)
#: "Mara's coat is green", "her eyes are blue"
_THING_IS = re.compile(
    rf"(?P<thing>{_THING})\s+(?:is|are|was|were|looks?|seems?)\s+(?:still\s+)?(?P<colour>{_COLOUR})\b", re.I)
_PAINT = re.compile(r"\b(?:paints?|painted|painting)\s+", re.I)
_PAINT_THING = re.compile(rf"^(?:her|his|their)\s+(?P<thing>{_THING})\s+(?P<colour>{_COLOUR})\b", re.I)
_COLOUR_NEXT = re.compile(rf"^\s+(?P<colour>{_COLOUR})\b", re.I)

_DIES = re.compile(
    r"\b(?:dies|died|is\s+killed|was\s+killed|gets\s+killed|is\s+slain|was\s+slain|is\s+murdered|"
    r"was\s+murdered|is\s+shot\s+dead|falls\s+dead|drops\s+dead|perishes|perished|passes\s+away)\b", re.I)
_KILLS = re.compile(r"\b(?:kills|killed|murders|murdered|slays|slew|shoots\s+dead)\s+(?:the\s+)?$", re.I)
_GONE = re.compile(
    r"\b(?:leaves\s+forever|left\s+forever|leaves\s+for\s+good|left\s+for\s+good|vanishes|vanished|"
    r"disappears|disappeared|departs\s+forever|is\s+gone\s+for\s+good|is\s+never\s+seen\s+again)\b", re.I)
_RETURNS = re.compile(
    r"\b(?:returns|returned|comes\s+back|came\s+back|is\s+revived|was\s+revived|is\s+resurrected|"
    r"reappears|reappeared|rises\s+again|is\s+alive\s+again)\b", re.I)
_INJURED = re.compile(
    r"\b(?:is\s+injured|was\s+injured|gets\s+injured|is\s+wounded|was\s+wounded|is\s+hurt|gets\s+hurt|"
    r"is\s+shot|was\s+shot)\b", re.I)
_INJURES = re.compile(r"\b(?:injures|injured|wounds|wounded|stabs|stabbed)\s+(?:the\s+)?$", re.I)
_HEALS = re.compile(r"\b(?:heals|healed|recovers|recovered|is\s+healed|was\s+healed)\b", re.I)


# --- claims, statements, acting ---------------------------------------------------------------


class _Reader:
    """The working state of one grammar reading."""

    def __init__(self, bible: Bible, prompt: str, linking: Linking):
        self.bible = bible
        self.prompt = prompt
        self.mentions = [m for m in linking.mentions if m.linked]
        self.characters = [m for m in self.mentions if m.kind == "character"]
        self.consumed: list[tuple[int, int]] = []
        self.claims: list[Claim] = []
        self.statements: list[Statement] = []

    def entity(self, entity_id: str) -> Entity | None:
        return self.bible.get(entity_id)

    def subject_before(self, position: int) -> Mention | None:
        """The nearest character named before ``position`` in the same sentence."""
        start = sentence_start(self.prompt, position)
        before = [m for m in self.characters if start <= m.start and m.end <= position]
        return before[-1] if before else None

    def mention_at(self, position: int) -> Mention | None:
        """The mention starting at ``position``, after spaces and an optional article."""
        rest = self.prompt[position:]
        skip = len(rest) - len(rest.lstrip())
        article = re.match(r"(?:the|a|an)\s+", rest[skip:], re.I)
        offsets = {position + skip, position + skip + (article.end() if article else 0)}
        return next((m for m in self.mentions if m.start in offsets), None)

    def state_fact(self, entity_id: str, op: str, key: str, text: str) -> None:
        if any(s.entity_id == entity_id and s.op == op and s.key == key for s in self.statements):
            return
        self.statements.append(Statement(entity_id, op, key, None, text))

    def set_attribute(self, mention: Mention | None, key: str, value: str, span: tuple[int, int]) -> None:
        self.consumed.append(span)
        if mention is not None:
            text = self.prompt[span[0]:span[1]]
            self.statements.append(Statement(mention.entity_id or "", SET_ATTRIBUTE, key, value.casefold(), text))

    def read_changes(self) -> None:
        for pattern in (_DYE, _PUT_ON, _CHANGE_TO):
            for match in pattern.finditer(self.prompt):
                key = THINGS[match.group("thing").casefold()]
                self.set_attribute(self.subject_before(match.start()), key, match.group("colour"), match.span())
        for match in _TURNS.finditer(self.prompt):
            owner = self.possessor_before(match.start("thing"))
            key = THINGS[match.group("thing").casefold()]
            self.set_attribute(owner, key, match.group("colour"), match.span())
        for match in _PAINT.finditer(self.prompt):
            self.read_paint(match)
        for match in _TAKE_OFF.finditer(self.prompt):
            subject = self.subject_before(match.start())
            key = THINGS[match.group("thing").casefold()]
            self.consumed.append(match.span())
            entity = self.entity(subject.entity_id) if subject and subject.entity_id else None
            if entity is not None and key in entity.attributes:
                self.statements.append(Statement(entity.id, UNSET_ATTRIBUTE, key, None, match.group(0)))

    def read_paint(self, match: re.Match[str]) -> None:
        rest = self.prompt[match.end():]
        if thing := _PAINT_THING.match(rest):
            key = THINGS[thing.group("thing").casefold()]
            span = (match.start(), match.end() + thing.end())
            self.set_attribute(self.subject_before(match.start()), key, thing.group("colour"), span)
            return
        target = self.mention_at(match.end())
        colour = _COLOUR_NEXT.match(self.prompt[target.end:]) if target else None
        if target is not None and colour is not None and target.kind in ("prop", "location"):
            self.set_attribute(target, "colour", colour.group("colour"), (match.start(), target.end + colour.end()))

    def possessor_before(self, position: int) -> Mention | None:
        """Whose is the thing written at ``position``: "Mara's (long) …" → Mara; "her …" → the nearest character before."""
        before = self.prompt[sentence_start(self.prompt, position):position]
        words = before.split()
        while words and words[-1].casefold() in _DESCRIBING:
            words.pop()
        if not words:
            return None
        end = position - len(before) + before.rindex(words[-1]) + len(words[-1])
        owner = next((m for m in self.mentions if m.possessive and m.end == end), None)
        if owner is None and words[-1].casefold() in ("her", "his", "their"):
            owner = self.subject_before(end)
        return owner

    def read_states(self) -> None:
        for match in _DIES.finditer(self.prompt):
            if subject := self.subject_before(match.start()):
                self.add_fact(subject, "dead", match.group(0))
        for match in _GONE.finditer(self.prompt):
            if subject := self.subject_before(match.start()):
                self.add_fact(subject, "gone", match.group(0))
        for match in _INJURED.finditer(self.prompt):
            if subject := self.subject_before(match.start()):
                self.add_fact(subject, "injured", match.group(0))
        for mention in self.characters:
            before = self.prompt[sentence_start(self.prompt, mention.start):mention.start]
            if verb := _KILLS.search(before):
                self.add_fact(mention, "dead", verb.group(0).strip() + " " + mention.text)
            elif verb := _INJURES.search(before):
                self.add_fact(mention, "injured", verb.group(0).strip() + " " + mention.text)
        for pattern, facts in ((_RETURNS, ("dead", "gone")), (_HEALS, ("injured",))):
            for match in pattern.finditer(self.prompt):
                subject = self.subject_before(match.start())
                entity = self.entity(subject.entity_id) if subject and subject.entity_id else None
                fact = entity.active_fact(*facts) if entity else None
                if fact is not None:
                    self.state_fact(entity.id, END_FACT, fact.name, match.group(0))

    def add_fact(self, mention: Mention, fact: str, text: str) -> None:
        entity = self.entity(mention.entity_id or "")
        if entity is None or entity.active_fact(fact) is None:
            self.state_fact(mention.entity_id or "", ADD_FACT, fact, text)

    def read_claims(self) -> None:
        spans = [(m.start, m.end) for m in self.mentions]
        for pattern in (_COLOUR_THING, _COLOUR_HAIRED):
            for match in pattern.finditer(self.prompt):
                if overlaps(*match.span(), self.consumed) or overlaps(*match.span(), spans):
                    continue
                thing = match.group("thing").casefold()
                key = {"haired": "hair", "eyed": "eyes"}.get(thing) or THINGS[thing]
                owner = self.owner_of(match, hyphenated=pattern is _COLOUR_HAIRED)
                if owner is not None:
                    self.claim(owner, key, match.group("colour"), match.group(0))
        for match in _THING_IS.finditer(self.prompt):
            if overlaps(*match.span(), self.consumed):
                continue
            if owner := self.possessor_before(match.start("thing")):
                self.claim(owner, THINGS[match.group("thing").casefold()], match.group("colour"), match.group(0))
        for mention in self.mentions:
            before = self.prompt[sentence_start(self.prompt, mention.start):mention.start]
            adjacent = re.search(rf"\b(?P<colour>{_COLOUR})\s+$", before, re.I)
            if adjacent is None or overlaps(mention.start - len(adjacent.group(0)), mention.start, self.consumed):
                continue
            colour = adjacent.group("colour")
            if mention.kind == "character" and colour.casefold() in HAIR_COLOURS:
                self.claim(mention, "hair", colour, adjacent.group(0) + mention.text)
            elif mention.kind in ("prop", "location"):
                self.claim(mention, "colour", colour, adjacent.group(0) + mention.text)

    def owner_of(self, match: re.Match[str], hyphenated: bool) -> Mention | None:
        start = match.start()
        if owner := self.possessor_before(start):
            return owner
        if hyphenated and (following := self.mention_at(match.end())) and following.kind == "character":
            return following
        subject = self.subject_before(start)
        if subject is not None and _CONNECTOR.match(self.prompt[subject.end:start]):
            return subject
        return None

    def claim(self, mention: Mention, key: str, value: str, text: str) -> None:
        self.claims.append(Claim(mention.entity_id or "", key, value.casefold(), text))

    def acting(self, mention: Mention) -> bool:
        """Whether a character mention does something, rather than being remembered or acted on."""
        if mention.kind != "character" or mention.possessive:
            return False
        opening = sentence_start(self.prompt, mention.start)
        before = self.prompt[opening:mention.start]
        if _REFERENCE_BEFORE.search(before) or _REFERENCE_AFTER.match(self.prompt[mention.end:]):
            return False
        breaks = list(_CLAUSE_BREAK.finditer(before))
        clause_start = opening + (breaks[-1].end() if breaks else 0)
        clause = list(self.prompt[clause_start:mention.start])
        for other in self.mentions:
            if clause_start <= other.start and other.end <= mention.start:
                clause[other.start - clause_start:other.end - clause_start] = " " * (other.end - other.start)
        words = [w.strip("\"'“”‘’").casefold() for w in "".join(clause).split()]
        if words and words[-1] == "and" and _VERB_AFTER.match(self.prompt[mention.end:]):
            return True  # "Tom waits and Mara walks in"
        return all(w in _SUBJECT_FILLER or w in COLOUR_FAMILIES or w.endswith(("ly", "-haired", "-eyed"))
                   for w in words if w)


def read_states(bible: Bible, prompt: str, linking: Linking) -> Reading:
    """The linking's mentions marked acting or not, and the state changes (dies, vanishes, returns) the prompt states."""
    reader = _Reader(bible, prompt, linking)
    reader.read_states()
    mentions = tuple(
        Mention(m.text, m.start, m.end, m.entity_id, m.kind, m.via, m.candidates, m.possessive, reader.acting(m))
        if m.linked else m
        for m in linking.mentions
    )
    return Reading(mentions=mentions, new_entities=linking.new_entities, prompt=prompt,
                   statements=tuple(reader.statements))



def read_by_grammar(bible: Bible, prompt: str, used_ids: Iterable[str] = ()) -> Reading:
    """The earlier reading by a small hand-written grammar (kept to compare against in bench/continuity.py)."""
    linking = link_mentions(bible, prompt, used_ids)
    reader = _Reader(bible, prompt, linking)
    reader.read_changes()
    reader.read_states()
    reader.read_claims()
    mentions = tuple(
        Mention(m.text, m.start, m.end, m.entity_id, m.kind, m.via, m.candidates, m.possessive, reader.acting(m))
        if m.linked else m
        for m in linking.mentions
    )
    return Reading(mentions=mentions, new_entities=linking.new_entities, prompt=prompt,
                   claims=tuple(reader.claims), statements=tuple(reader.statements))
