"""Mentions of entities in a prompt: the data a reading produces, linking names, and states.

``read_prompt`` reads a prompt with the dependency parse (:mod:`app.continuity.reading`); this
module holds what that reading shares:

- the data: :class:`Mention` (``via`` is "name", "alias", "id", "new" or "pronoun"),
  :class:`NewEntity`, :class:`Claim`, :class:`Statement`, :class:`Reading`;
- ``link_mentions``: known names and aliases (case-insensitive, whole words, plural and
  possessive forms: "lanterns", "Mara's", "Mara’s", "James'"), explicit ids ("C1"),
  ambiguous words (one alias on two entities) and the new names a finder proposes, each
  given the next free id of its kind; props by a list of common objects;
- ``read_states``: dies / is killed / kills X → dead, vanishes / leaves forever → gone,
  returns / comes back / is revived → ends dead or gone, is injured → injured, heals →
  ends injured; and whether each character mention *acts* (stands as the subject of its
  clause and is not a reference: "remembers Mara", "Mara's grave", "the ghost of Mara").

``read_by_grammar`` is the earlier reading by a small hand-written grammar (colours only,
the nearest name before a verb as its subject, no pronouns); ``bench/continuity.py``
measures it beside the parse.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.continuity.bible import ADD_FACT, END_FACT, KIND_OF_PREFIX, SET_ATTRIBUTE, UNSET_ATTRIBUTE, Bible, Entity

# --- vocabulary -------------------------------------------------------------------------------

#: colour words understood as attribute values, with the family used to compare them
COLOUR_FAMILIES: Mapping[str, str] = {
    "red": "red", "crimson": "red", "scarlet": "red", "maroon": "red", "ginger": "red", "auburn": "red",
    "copper": "red", "blue": "blue", "navy": "blue", "turquoise": "blue", "teal": "blue", "green": "green",
    "emerald": "green", "black": "black", "white": "white", "ivory": "white", "grey": "grey", "gray": "grey",
    "silver": "grey", "gold": "gold", "golden": "gold", "blonde": "blonde", "blond": "blonde",
    "platinum": "blonde", "brown": "brown", "brunette": "brown", "chestnut": "brown", "hazel": "brown",
    "beige": "brown", "purple": "purple", "violet": "purple", "pink": "pink", "orange": "orange",
    "amber": "orange", "yellow": "yellow",
}
#: colours that, written before a character's name, can only mean their hair ("blonde Mara")
HAIR_COLOURS = frozenset({"blonde", "blond", "brunette", "auburn", "ginger", "platinum"})
#: things a colour can describe, singular and plural spellings → attribute key
THINGS: Mapping[str, str] = {
    "hair": "hair", "eyes": "eyes", "eye": "eyes", "coat": "coat", "raincoat": "raincoat", "jacket": "jacket",
    "dress": "dress", "hat": "hat", "beret": "beret", "cap": "cap", "scarf": "scarf", "shawl": "shawl",
    "shirt": "shirt", "blouse": "blouse", "cloak": "cloak", "cape": "cape", "boots": "boots", "boot": "boots",
    "shoes": "shoes", "shoe": "shoes", "gloves": "gloves", "glove": "gloves", "beard": "beard",
    "moustache": "moustache", "mustache": "moustache", "suit": "suit", "trousers": "trousers",
    "jeans": "jeans", "skirt": "skirt", "tie": "tie", "hood": "hood", "hoodie": "hoodie", "sweater": "sweater",
    "jumper": "jumper", "vest": "vest", "uniform": "uniform", "gown": "gown", "robe": "robe",
    "helmet": "helmet", "nails": "nails", "lipstick": "lipstick", "armour": "armour", "armor": "armour",
    "apron": "apron", "bandana": "bandana",
}
#: words allowed between a colour and its thing ("red wool coat", "long red hair" needs none)
_BETWEEN = ("wool", "woollen", "woolen", "leather", "silk", "velvet", "cotton", "denim", "fur", "long", "short",
            "curly", "straight", "wavy", "heavy", "knitted", "tattered", "faded", "shaggy", "cropped", "flowing")
#: common objects that become props when a prompt mentions one ("a lantern", "her umbrella")
PROP_NOUNS = frozenset({
    "lantern", "lamp", "sword", "dagger", "knife", "pistol", "revolver", "rifle", "key", "letter", "map",
    "ring", "necklace", "locket", "amulet", "book", "diary", "journal", "umbrella", "suitcase", "briefcase",
    "satchel", "compass", "bottle", "chest", "candle", "mask", "crown", "staff", "wand", "radio",
    "pocket watch", "clock", "photograph", "mirror", "violin", "guitar", "bicycle", "boat", "rope",
    "shovel", "torch", "flag", "telescope", "kite", "balloon", "envelope", "scroll", "lighter", "pendant",
})
#: a last word that makes a capitalised name a place ("the Old Mill", "Harbor Street")
PLACE_NOUNS = frozenset({
    "mill", "lighthouse", "street", "road", "avenue", "lane", "alley", "harbor", "harbour", "port", "docks",
    "pier", "tower", "castle", "palace", "forest", "woods", "wood", "city", "town", "village", "station",
    "bridge", "square", "park", "inn", "tavern", "pub", "bar", "cafe", "café", "church", "cathedral", "chapel",
    "temple", "hall", "house", "manor", "mansion", "bay", "beach", "coast", "river", "lake", "sea", "ocean",
    "mountain", "mountains", "hill", "hills", "valley", "island", "isle", "market", "hospital", "school",
    "library", "museum", "hotel", "farm", "cave", "caves", "desert", "garden", "gardens", "cemetery",
    "theatre", "theater", "academy", "abbey", "fort", "keep", "quarter", "district", "plaza", "falls",
})
#: a first word that makes a capitalised name a person ("Captain Reyes", even "to Captain Reyes")
TITLES = frozenset({
    "captain", "doctor", "dr", "mr", "mrs", "ms", "miss", "lady", "lord", "sir", "king", "queen", "prince",
    "princess", "professor", "detective", "officer", "sergeant", "father", "mother", "aunt", "uncle",
    "brother", "sister", "grandma", "grandpa", "old", "young", "little", "saint", "madame", "monsieur",
})
#: capitalised only because they open a sentence or are ordinary words, never names
NOT_NAMES = frozenset({
    "a", "an", "the", "and", "but", "or", "so", "then", "when", "while", "as", "at", "in", "on", "into", "onto",
    "inside", "outside", "to", "from", "with", "without", "of", "for", "by", "after", "before", "during",
    "later", "meanwhile", "suddenly", "slowly", "finally", "now", "here", "there", "this", "that", "these",
    "those", "it", "its", "he", "she", "they", "we", "you", "i", "his", "her", "their", "our", "my", "your",
    "him", "them", "us", "me", "someone", "something", "everyone", "everything", "nobody", "nothing", "no",
    "yes", "not", "all", "some", "each", "every", "both", "one", "two", "three", "night", "day", "morning",
    "evening", "afternoon", "noon", "midnight", "dawn", "dusk", "sunset", "sunrise", "today", "tonight",
    "tomorrow", "yesterday", "rain", "snow", "fog", "mist", "wind", "storm", "thunder", "lightning", "sun",
    "moon", "stars", "camera", "shot", "close", "closeup", "close-up", "wide", "pan", "zoom", "cut", "fade",
    "scene", "interior", "exterior", "int", "ext", "slow", "fast", "quick", "back", "again", "still", "just",
    "only", "even", "also", "once", "soon", "next", "last", "first", "above", "below", "behind", "beside",
    "under", "over", "through", "across", "toward", "towards", "near", "far", "where", "why", "how", "what",
    "who", "which", "if", "because", "until", "since", "though", "although", "yet", "nor", "either",
    "neither", "elsewhere", "nearby", "somewhere", "upstairs", "downstairs", "everywhere",
    "silence", "darkness", "light", "smoke", "fire", "water", "dust", "sand", "shadows", "leaves", "waves",
    "birds", "clouds", "sky", "trees", "people", "crowds", "footsteps", "bells", "sparks", "lights", "music", "anime", "noir", "watercolor", "watercolour",
    "style", "cinematic", "black", "white", "colour", "color", "bright", "dark", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", "end", "there's", "it's", "let",
    "continue", "show", "make", "have", "keep", "add", "use", "same", "more", "less", "very", "open",
    "follow", "focus", "track", "start", "begin", "look", "see", "watch", "wait", "stop", "go", "come",
})
_ARTICLES = ("the", "a", "an")
#: kept at the start of a longer name ("Old Tom", "New Haven", "Captain Reyes"), never a name alone
_NAME_STARTERS = TITLES | {"new", "north", "south", "east", "west", "upper", "lower", "great", "san", "st", "mount"}
_SKIPPABLE = NOT_NAMES | _NAME_STARTERS
#: words that may stand between an owner and a colour ("Mara's long red hair")
_DESCRIBING = frozenset(_BETWEEN) | {"new", "old", "favourite", "favorite", "bright", "dark", "light", "pale", "deep"}
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


def _alternation(words: Iterable[str]) -> str:
    return "(?:" + "|".join(re.escape(word) for word in sorted(set(words), key=lambda w: (-len(w), w))) + ")"


_COLOUR = _alternation(COLOUR_FAMILIES)
_THING = _alternation(THINGS)
_DET = r"(?:(?:a|an|the|her|his|their|its)\s+)"
_POSSESSIVE_TAIL = re.compile(r"(?:['’]s|(?<=s)['’])$")
#: "red coat", "red wool coat", "blue eyes"
_COLOUR_THING = re.compile(
    rf"\b(?P<colour>{_COLOUR})(?:[\s-]+(?:{_alternation(_BETWEEN)}))?\s+(?P<thing>{_THING})\b", re.I)
#: "red-haired", "blue-eyed"
_COLOUR_HAIRED = re.compile(rf"\b(?P<colour>{_COLOUR})-(?P<thing>haired|eyed)\b", re.I)
#: between a character and the colour phrase that belongs to them
_CONNECTOR = re.compile(
    r"^\s*,?\s*(?:who\s+)?(?:is\s+|now\s+)?(?:in|wearing|wears|with|has|dressed\s+in|sporting|in\s+(?:her|his|their))"
    rf"\s+{_DET}?$", re.I)
_EXPLICIT_ID = re.compile(r"(?<![\w])(?P<id>[CLPS][1-9][0-9]*)(?P<poss>['’]s)?(?![\w])")
_CAP_WORD = r"[A-Z][a-z]*(?:[-'’][A-Za-z]+)*"
_NAME_RUN = re.compile(
    rf"\b{_CAP_WORD}(?:(?:\s+(?:of\s+the|of|de|del|da|van|von|du|la|le))?\s+{_CAP_WORD})*")
_NEW_PROP = re.compile(
    rf"\b(?:a|an|the|her|his|their|its|my|your)\s+(?:(?:{_COLOUR}|old|small|little|big|tiny|heavy|rusty|broken)\s+)?"
    rf"(?P<noun>{_alternation(PROP_NOUNS)})(?:s|es)?\b", re.I)
_SENTENCE_END = re.compile(r"[.!?;]+|\n")
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
    rf"{_DET}?(?:new\s+)?(?P<colour>{_COLOUR})(?:[\s-]+(?:{_alternation(_BETWEEN)}))?\s+(?P<thing>{_THING})\b", re.I)
_CHANGE_TO = re.compile(
    rf"\b(?:chang(?:es|ed|ing|e)|switch(?:es|ed)?)\s+(?:her|his|their)\s+(?P<thing>{_THING})\s+to\s+"
    rf"(?P<colour>{_COLOUR})\b", re.I)
_TURNS = re.compile(
    rf"(?:['’]s|\b(?:her|his|their))\s+(?:{_alternation(_BETWEEN)}\s+)?(?P<thing>{_THING})\s+"
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


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < s_end and s_start < end for s_start, s_end in spans)


def _sentence_start(prompt: str, position: int) -> int:
    start = 0
    for match in _SENTENCE_END.finditer(prompt, 0, position):
        start = match.end()
    return start


def _words_before(prompt: str, position: int, count: int) -> list[str]:
    text = prompt[_sentence_start(prompt, position):position]
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
    return not prompt[_sentence_start(prompt, start):start].strip(" \t\"'“‘(")


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
        if _overlaps(start, end, taken):
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
        if _overlaps(start, match.end(), taken):
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
        if not _overlaps(start, end, taken):
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


# --- claims, statements, acting ---------------------------------------------------------------


class _Reader:
    """The working state of one ``read_prompt`` call."""

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
        start = _sentence_start(self.prompt, position)
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
        before = self.prompt[_sentence_start(self.prompt, position):position]
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
            before = self.prompt[_sentence_start(self.prompt, mention.start):mention.start]
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
                if _overlaps(*match.span(), self.consumed) or _overlaps(*match.span(), spans):
                    continue
                thing = match.group("thing").casefold()
                key = {"haired": "hair", "eyed": "eyes"}.get(thing) or THINGS[thing]
                owner = self.owner_of(match, hyphenated=pattern is _COLOUR_HAIRED)
                if owner is not None:
                    self.claim(owner, key, match.group("colour"), match.group(0))
        for match in _THING_IS.finditer(self.prompt):
            if _overlaps(*match.span(), self.consumed):
                continue
            if owner := self.possessor_before(match.start("thing")):
                self.claim(owner, THINGS[match.group("thing").casefold()], match.group("colour"), match.group(0))
        for mention in self.mentions:
            before = self.prompt[_sentence_start(self.prompt, mention.start):mention.start]
            adjacent = re.search(rf"\b(?P<colour>{_COLOUR})\s+$", before, re.I)
            if adjacent is None or _overlaps(mention.start - len(adjacent.group(0)), mention.start, self.consumed):
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
        sentence_start = _sentence_start(self.prompt, mention.start)
        before = self.prompt[sentence_start:mention.start]
        if _REFERENCE_BEFORE.search(before) or _REFERENCE_AFTER.match(self.prompt[mention.end:]):
            return False
        breaks = list(_CLAUSE_BREAK.finditer(before))
        clause_start = sentence_start + (breaks[-1].end() if breaks else 0)
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


def read_prompt(bible: Bible, prompt: str, used_ids: Iterable[str] = ()) -> Reading:
    """Link ``prompt`` to ``bible`` and read, from its parse, what it says about the linked entities."""
    from app.continuity.reading import read_prompt as read_parsed

    return read_parsed(bible, prompt, used_ids)


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
