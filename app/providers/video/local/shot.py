"""What the prompt asks to see: the time of day, the weather, the setting, who is in frame and in which colours.

The Scene Bible names the characters, places and props a story keeps; the
prompt says what this one shot looks like. :func:`read_shot` reads the
segment's own words (the writer's prompt, not the expanded one) so that
"a woman in a bright red coat stands in a field at noon" puts a woman in a
red coat in a sunlit field even when the Bible knows none of it, and "Mara,
in a green raincoat, … in the rain" dresses the Bible's Mara in green.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.media.colours import COLOR_WORDS, HAIR_WORDS, SHADES
from app.providers.video.local.shot_words import (
    ANIMALS,
    APPOSITION,
    BODY_COLOURED,
    CLOCK,
    COLOURED_THINGS,
    DESCRIBING,
    GARMENTS,
    GROUPS,
    MAX_ANIMALS,
    MAX_PEOPLE,
    MAX_THINGS,
    NAMING,
    NUMBERS,
    PEOPLE,
    PLURAL_ANIMALS,
    PLURAL_PEOPLE,
    PRONOUNS,
    SETTING_WORDS,
    THINGS,
    TIME_WORDS,
    TITLES,
    WEATHER_WORDS,
)


@dataclass
class Person:
    """Someone the prompt puts in frame: a Bible character (``name``) or an unnamed "woman", "knight" …"""

    noun: str
    name: str | None = None
    #: garment key → colour phrase, in the order the prompt gives them ("coat" → "bright red")
    wears: dict[str, str] = field(default_factory=dict)
    hair: str | None = None
    #: the animal the prompt says this character is ("Juniper … is a clever fox"), and its colour phrase
    animal: str | None = None
    fur: str | None = None


@dataclass
class Animal:
    """An animal the prompt puts in frame, with the colour phrase it gives ("red", "sleek black") if any."""

    kind: str
    color: str | None = None


@dataclass
class Thing:
    """An object the prompt puts in frame ("a yellow umbrella"), with its colour phrase if it gives one."""

    noun: str
    color: str | None = None


@dataclass
class Shot:
    """What one prompt says about its picture; ``None`` where it says nothing."""

    time: str | None = None
    weather: str | None = None
    setting: str | None = None
    people: list[Person] = field(default_factory=list)
    animals: list[Animal] = field(default_factory=list)
    things: list[Thing] = field(default_factory=list)

    def person_named(self, name: str) -> Person | None:
        return next((p for p in self.people if p.name == name), None)


@dataclass
class _Token:
    word: str
    start: int


def read_shot(text: str, names: Sequence[str] = ()) -> Shot:
    """Read ``text`` (one prompt) for what it shows. ``names`` are the Bible characters in frame:
    a mention of one (by its full name or a word of it, "Juniper" for "Detective Juniper") is that
    character, not an unnamed person, and colours said of it dress it."""
    text = " ".join(str(text or "").split())
    lowered = text.lower().replace("t-shirt", "tshirt")
    tokens = [_Token(m.group(), m.start()) for m in re.finditer(r"[a-z]+", lowered)]
    shot = Shot(time=_time_of(lowered, tokens), weather=_first(tokens, WEATHER_WORDS),
                setting=_first(tokens, SETTING_WORDS))
    _read_figures(shot, tokens, lowered, [n for n in names if n])
    return shot


def prompt_words(prompt: str, action: str | None) -> str:
    """The writer's own words for this shot: the Bible's ``action`` when the pipeline passed it,
    else the part of an expanded prompt after "Action:", else the whole prompt."""
    if action:
        return str(action)
    prompt = str(prompt or "")
    marker = prompt.rfind("Action:")
    return prompt[marker + len("Action:"):] if marker >= 0 else prompt


# --- reading ------------------------------------------------------------------------------------


def _first(tokens: list[_Token], table: dict[str, str]) -> str | None:
    return next((table[t.word] for t in tokens if t.word in table), None)


def _time_of(lowered: str, tokens: list[_Token]) -> str | None:
    if found := _first(tokens, TIME_WORDS):
        return found
    if clock := CLOCK.search(lowered):
        hour, am = int(clock.group(1)), clock.group(2).startswith("a")
        if am:
            return "night" if hour < 5 or hour == 12 else "dawn" if hour < 7 else "morning" if hour < 11 else "day"
        return "day" if hour < 5 or hour == 12 else "dusk" if hour < 8 else "night"
    return None


def _read_figures(shot: Shot, tokens: list[_Token], lowered: str, names: list[str]) -> None:
    """People and animals in order of mention; colour phrases dress the people mentioned last before them."""
    name_spans = _name_spans(lowered, names)
    group: list[Person] = []  # who was mentioned last: one character, or "two old men"
    pending: list[tuple[str, str]] = []  # garments said before anyone ("In a red coat, a woman …")
    last_mention, named_end = -10, 0
    partners: list[Person] = []  # who the last group was joined to by "and"
    skip_until = -1
    for index, token in enumerate(tokens):
        if index <= skip_until:
            continue
        word = token.word
        if (mention := _name_at(name_spans, token.start)) is not None:
            named, named_end = mention
            person = shot.person_named(named)
            if person is None:
                person = Person(noun="character", name=named)
                shot.people.append(person)
            partners = group if index >= 1 and tokens[index - 1].word == "and" else []
            group, last_mention = [person], index
            skip_until = _last_token_before(tokens, named_end)
            _dress(group, pending)
        elif word in ANIMALS and not _is_colour_use(tokens, index):
            kind, colour = ANIMALS[word], _colour_before(tokens, index)
            owner = _animal_owner(shot, tokens, index, name_spans, group[0] if group else None)
            if owner is not None and owner.name is None:  # "the thief, a sleek black cat" is just a cat
                shot.people.remove(owner)
                shot.animals.append(Animal(kind, colour or _garment_colour(owner)))
            elif owner is not None:
                owner.animal, owner.fur = kind, colour
                if group and group[0].name is None and group[0] in shot.people and index - last_mention <= 6:
                    shot.people.remove(group[0])  # "the real thief, a black cat named Duchess"
            else:
                count = _count_before(tokens, index) or (2 if word in PLURAL_ANIMALS else 1)
                shot.animals.extend(Animal(kind, colour) for _ in range(count))
        elif (found := _person_noun(tokens, index))[0] is not None:
            noun, count = found
            if _is_same_as_last(tokens, index, group):
                continue
            hair = _hair_before(tokens, index)
            body = _colour_before(tokens, index) if noun in BODY_COLOURED else None
            if (named := _named_after(tokens, index, name_spans)) is not None:  # "a green alien named Zib"
                group = [shot.person_named(named) or Person(noun=noun, name=named)]
                if group[0] not in shot.people:
                    shot.people.append(group[0])
            elif len(group) == 1 and (_is_said_of_last(tokens, index) or (
                    group[0].name and APPOSITION.fullmatch(lowered[named_end:token.start]))):
                pass  # "Bolt, a small robot", "Tom … is the lighthouse keeper": the noun describes them
            else:
                joined = group if _follows_and(tokens, index) else []
                group = [Person(noun=noun) for _ in range(count)]
                shot.people.extend(group)
                partners = joined
            last_mention = index
            for person in group:
                person.hair = person.hair or hair
            _dress(group, pending + ([("clothes", body)] if body else []))
            pending.clear()
        elif (garment := _garment(word)) and (colour := _colour_before(tokens, index)):
            if group:  # "a girl and a boy in yellow raincoats": a plural garment dresses both
                _dress(group + (partners if word != garment and word.endswith("s") else []), [(garment, colour)])
            else:
                pending.append((garment, colour))
        elif (thing := _thing(word)) and ((colour := _colour_before(tokens, index)) or thing in THINGS):
            if all(t.noun != thing for t in shot.things):
                shot.things.append(Thing(thing, colour))
        elif word in ("hair", "haired") and (colour := _colour_before(tokens, index, hair=True)):
            for person in group:
                person.hair = person.hair or colour
        elif word in ("in", "wears", "wearing") and group:
            # "a woman in red": a colour with no garment dresses the whole figure
            colour, after = _colour_at(tokens, index + 1)
            if colour and (after >= len(tokens) or not _garment(tokens[after].word)):
                _dress(group, [("clothes", colour)])
        elif word in PRONOUNS and not group and not names and not shot.people:
            group = [Person(noun="person")]
            shot.people.extend(group)
            _dress(group, pending)
    del shot.people[MAX_PEOPLE:]
    del shot.animals[MAX_ANIMALS:]
    del shot.things[MAX_THINGS:]


def _named_after(tokens: list[_Token], index: int, name_spans: list[tuple[int, int, str]]) -> str | None:
    """The character named right after ``tokens[index]``: "a raccoon named Pip", "a girl called Nell"."""
    if index + 2 < len(tokens) and tokens[index + 1].word in NAMING:
        mention = _name_at(name_spans, tokens[index + 2].start)
        return mention[0] if mention else None
    return None


def _follows_and(tokens: list[_Token], index: int) -> bool:
    """ "… and a boy", "… and the man": the person noun is joined to the one before."""
    back = 2 if index >= 2 and tokens[index - 1].word in ("a", "an", "the", "two", "three", "his", "her") else 1
    return index - back >= 0 and tokens[index - back].word == "and"


def _is_said_of_last(tokens: list[_Token], index: int) -> bool:
    """ "… is the lighthouse keeper", "… was a soldier": the noun says what the last person is."""
    i = index - 1
    while i >= 0 and index - i <= 3 and tokens[i].word not in ("a", "an", "the"):
        i -= 1
    return i >= 1 and tokens[i].word in ("a", "an", "the") and tokens[i - 1].word in ("is", "was")


def _dress(group: list[Person], garments: list[tuple[str, str]]) -> None:
    for person in group:
        for garment, colour in garments:
            person.wears.setdefault(garment, colour)
    garments.clear()


def _thing(word: str) -> str | None:
    for noun in (word, word[:-1] if word.endswith("s") else ""):
        if noun in THINGS or noun in COLOURED_THINGS:
            return noun
    return None


def _garment(word: str) -> str | None:
    return GARMENTS.get(word) or (GARMENTS.get(word[:-1]) if word.endswith("s") else None)


def _garment_colour(person: Person) -> str | None:
    return next(iter(person.wears.values()), None)


def _name_spans(lowered: str, names: list[str]) -> list[tuple[int, int, str]]:
    """Every mention of each character, (start, end, name), by full name or by a word of it that is not a
    title or a common noun ("Juniper" for "Detective Juniper", never "old" for "Old Tom")."""
    spans = []
    for name in names:
        words = [w for w in re.findall(r"[a-z]+", name.lower()) if len(w) > 2 and w not in TITLES and w not in PEOPLE]
        for candidate in {name.lower(), *words}:
            spans += [(m.start(), m.end(), name) for m in re.finditer(rf"\b{re.escape(candidate)}\b", lowered)]
    return sorted(spans, key=lambda span: (span[0], span[0] - span[1]))


def _name_at(spans: list[tuple[int, int, str]], start: int) -> tuple[str, int] | None:
    """(name, end of the mention) of the character mentioned at ``start``, if one is."""
    return next(((name, end) for s, end, name in spans if s <= start < end), None)


def _last_token_before(tokens: list[_Token], end: int) -> int:
    return max((i for i, t in enumerate(tokens) if t.start < end), default=-1)


def _person_noun(tokens: list[_Token], index: int) -> tuple[str | None, int]:
    word = tokens[index].word
    if word in PEOPLE:
        return word, _count_before(tokens, index) or 1
    if word in PLURAL_PEOPLE or (word.endswith("s") and word[:-1] in PEOPLE):
        return PLURAL_PEOPLE.get(word, word[:-1]), _count_before(tokens, index) or 2
    if word in GROUPS and not (index + 1 < len(tokens) and tokens[index + 1].word == "of"):
        return "person", GROUPS[word]
    return None, 0


def _count_before(tokens: list[_Token], index: int) -> int | None:
    for back in range(1, 4):
        if index - back < 0:
            return None
        word = tokens[index - back].word
        pair = f"{tokens[index - back - 1].word} {word}" if index - back >= 1 else ""
        if pair in NUMBERS:
            return NUMBERS[pair]
        if word in NUMBERS:
            return NUMBERS[word]
        if word in ("a", "an", "the", "one", "lone", "single"):
            return 1
    return None


def _is_same_as_last(tokens: list[_Token], index: int, group: list[Person]) -> bool:
    """ "the man" after "a man" is the same man; "the same woman" too."""
    if len(group) != 1 or tokens[index].word != group[0].noun:
        return False
    return index >= 1 and tokens[index - 1].word in ("the", "same", "this", "that")


def _colour_at(tokens: list[_Token], index: int, *, hair: bool = False) -> tuple[str | None, int]:
    """The colour phrase starting at ``index`` ("bright red", "navy blue") and the index after it."""
    table = {**COLOR_WORDS, **HAIR_WORDS} if hair else COLOR_WORDS
    words: list[str] = []
    i = index
    while i < len(tokens) and tokens[i].word in SHADES and len(words) < 2:
        words.append(tokens[i].word)
        i += 1
    if i + 1 < len(tokens) and f"{tokens[i].word} {tokens[i + 1].word}" in table:
        return " ".join([*words, tokens[i].word, tokens[i + 1].word]), i + 2
    if i < len(tokens) and tokens[i].word in table:
        return " ".join([*words, tokens[i].word]), i + 1
    return None, index


def _colour_before(tokens: list[_Token], index: int, *, hair: bool = False) -> str | None:
    """The colour phrase just before ``tokens[index]``, skipping a few describing words ("red woollen coat")."""
    for start in range(max(0, index - 4), index):
        colour, after = _colour_at(tokens, start, hair=hair)
        if colour and all(not _is_stop(tokens[k].word) for k in range(after, index)):
            return colour
    return None


def _is_stop(word: str) -> bool:
    return word in ("and", "or", "with", "in", "on", "of", "a", "an", "the", "her", "his", "their", "is", "was") \
        or word in PEOPLE or _garment(word) is not None or word in ANIMALS


def _hair_before(tokens: list[_Token], index: int) -> str | None:
    """ "a blonde woman", "a red-haired girl": hair said before the person noun."""
    if index >= 2 and tokens[index - 1].word == "haired":
        return _colour_at(tokens, index - 2, hair=True)[0]
    if index >= 1 and tokens[index - 1].word in ("blonde", "blond", "brunette", "ginger", "redheaded"):
        return {"redheaded": "red"}.get(tokens[index - 1].word, tokens[index - 1].word)
    return None


def _is_colour_use(tokens: list[_Token], index: int) -> bool:
    """ "fox" in "fox-red" or "raven" hair is a colour, not an animal; "fish" in "fish market" is a stall."""
    after = tokens[index + 1].word if index + 1 < len(tokens) else ""
    return after in ("hair", "haired", "red", "brown", "market", "tank", "fur", "coat", "skin")


def _animal_owner(shot: Shot, tokens: list[_Token], index: int, name_spans: list[tuple[int, int, str]],
                  last_person: Person | None) -> Person | None:
    """The character the prompt says *is* this animal: "Juniper, …, is a clever fox", "a raccoon named Pip"."""
    if (named := _named_after(tokens, index, name_spans)) is not None:
        person = shot.person_named(named)
        if person is None:
            person = Person(noun="character", name=named)
            shot.people.append(person)
        return person
    before = [t.word for t in tokens[max(0, index - 5):index]]
    if last_person is not None and ("is" in before or "was" in before):
        copula = max(i for i, w in enumerate(before) if w in ("is", "was"))
        if all(w in DESCRIBING or w in COLOR_WORDS or w in SHADES for w in before[copula + 1:]):
            return last_person
    return None
