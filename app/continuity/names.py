"""New names in a parsed prompt: runs of proper nouns with their titles, and names given by "named"/"called".

A run ending in a place word ("Saltmarsh Quay", "Vell Lighthouse") or tagged a place and
governed by a place preposition is a location; the rest are characters. A character gets
aliases: the name without its title, the first and last name alone, "the captain" for a
rank, and "the courier" for the noun the prose described them by (an appositive or
"a courier named").
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from app.continuity.vocabulary import NOT_NAMES, PLACE_NOUNS, TITLES
from app.continuity.wardrobe import is_item
from app.media.colours import is_colour_word

#: words at the end of a proper name that make it a place
PLACE_WORDS = PLACE_NOUNS | frozenset({
    "quay", "wharf", "marina", "dock", "dunes", "orchard", "meadow", "moor", "heath", "glen", "fields", "field",
    "shore", "cove", "cliffs", "cliff", "point", "heights", "ridge", "peak", "canyon", "gorge", "springs",
    "terminal", "airport", "base", "camp", "outpost", "colony", "citadel", "ward", "court", "gate", "row",
    "crescent", "close", "place", "way", "boulevard", "drive", "bazaar", "arcade", "mall", "studio", "observatory",
    "laboratory", "lab", "barracks", "prison", "asylum", "mine", "mines", "quarry", "works", "yard",
})
#: titles that also serve, with "the", as a way to name the one person who holds them ("the captain")
RANKS = frozenset({
    "captain", "commander", "sergeant", "corporal", "private", "lieutenant", "major", "colonel", "general",
    "admiral", "professor", "doctor", "detective", "inspector", "agent", "officer", "chief", "constable",
    "king", "queen", "prince", "princess", "duke", "duchess", "baron", "baroness", "count", "countess",
    "bishop", "abbot", "judge", "mayor", "marshal", "sheriff", "headmaster", "headmistress", "nurse",
})
ALL_TITLES = TITLES | RANKS | frozenset({"mr.", "mrs.", "ms.", "dr.", "st.", "prof.", "grandpa", "grandma",
                                          "granny", "nana", "madam", "dame", "master", "mistress", "uncle", "aunt"})
FEMALE_TITLES = frozenset({"mrs", "mrs.", "miss", "ms", "ms.", "lady", "madame", "madam", "dame", "queen",
                           "princess", "duchess", "baroness", "countess", "sister", "mother", "aunt", "grandma",
                           "granny", "nana", "mistress", "headmistress"})
MALE_TITLES = frozenset({"mr", "mr.", "sir", "lord", "king", "prince", "duke", "baron", "count", "father",
                         "brother", "uncle", "grandpa", "master", "monsieur", "headmaster", "abbot"})
#: nouns too general to name one person by ("the man")
_PLAIN_PEOPLE = frozenset({"man", "woman", "person", "people", "one", "figure", "someone", "somebody", "thing"})
_NAME_ENTITIES = frozenset({"PERSON", "GPE", "LOC", "FAC", "ORG", "NORP"})
_PLACE_ENTITIES = frozenset({"GPE", "LOC", "FAC"})
_PLACE_PREPOSITIONS = frozenset({"at", "in", "into", "inside", "to", "toward", "towards", "through", "across",
                                 "near", "outside", "onto", "from", "within", "beneath", "around", "over", "past"})
NAMING_VERBS = frozenset({"name", "call", "nickname", "know"})


@dataclass(frozen=True)
class NameFound:
    """A name the Bible does not know yet, found in the parse, with the aliases the prose gives it."""

    start: int
    end: int
    name: str
    kind: str
    possessive: bool
    aliases: tuple[str, ...]


def _is_title(token: Token) -> bool:
    return token.lower_ in ALL_TITLES or token.lower_.rstrip(".") in ALL_TITLES


def _is_name_token(token: Token) -> bool:
    text = token.text
    if not text[:1].isupper() or token.pos_ in ("PUNCT", "PART", "DET", "PRON", "CCONJ", "ADP", "AUX", "NUM"):
        return False
    if token.lower_ in NOT_NAMES and not _is_title(token):
        return False
    if is_colour_word(token.lower_) and token.ent_type_ != "PERSON" and (
            token.is_sent_start or token.i + 1 >= len(token.doc) or not token.doc[token.i + 1].text[:1].isupper()):
        return False
    if token.pos_ == "PROPN" or _is_title(token):
        return True
    if token.ent_type_ in _NAME_ENTITIES:
        return True
    # "a courier named Jin", even when the tagger thinks Jin is a noun
    return token.dep_ in ("oprd", "attr", "dobj", "npadvmod", "appos") and token.head.lemma_ in NAMING_VERBS


def _whole_word(token: Token) -> str:
    """A noun with the hyphenated words joined to it: "mender" in "net-mender" → "net-mender"."""
    doc, start = token.doc, token.i
    while start >= 2 and doc[start - 1].text == "-" and not doc[start - 1].whitespace_ \
            and not doc[start - 2].whitespace_:
        start -= 2
    return "".join(t.text_with_ws for t in doc[start:token.i]) + token.lemma_


def _role_nouns(doc: Doc, first: Token, last: Token) -> list[str]:
    """The nouns prose describes a person by: "a courier named Jin" → courier; "Tom, a grey-bearded miller" → miller."""
    roles: list[str] = []
    if last.head.lemma_ in NAMING_VERBS and last.head.dep_ in ("acl", "relcl") and last.dep_ != "compound":
        described = last.head.head
        roles.append(_whole_word(described).casefold())
        if described.dep_ == "appos" and described.head.pos_ == "NOUN":
            roles.append(_whole_word(described.head).casefold())  # "her squire, a boy named Pip"
    def set_off(a: Token, b: Token) -> bool:  # an appositive stands apart, after a comma
        low, high = sorted((a.i, b.i))
        return any(t.text in (",", "—", "–", "(") for t in doc[low:high])

    for child in last.children:
        if child.dep_ == "appos" and child.tag_ == "NN" and set_off(last, child):
            roles.append(_whole_word(child).casefold())
    if last.dep_ == "appos" and last.head.tag_ == "NN" and set_off(last, last.head):
        roles.append(_whole_word(last.head).casefold())
    if first.i > 0:
        before = doc[first.i - 1]
        if before.pos_ == "NOUN" and before.dep_ == "compound" and before.head.i in range(first.i, last.i + 1):
            roles.append(_whole_word(before).casefold())  # "her grandson Tobias"
    return [r for r in dict.fromkeys(roles)
            if r.replace("-", "").isalpha() and r not in _PLAIN_PEOPLE and not is_item(r)]


def _name_kind(doc: Doc, tokens: list[Token], possessive: bool) -> str:
    first, last = tokens[0], tokens[-1]
    if last.lower_ in PLACE_WORDS:
        return "location"
    following = doc[last.i + 1] if last.i + 1 < len(doc) else None
    if following is not None and following.lower_ in PLACE_WORDS and last.dep_ == "compound":
        return "location"  # "the Blue Anchor pub"
    if _is_title(first) or possessive or last.ent_type_ == "PERSON":
        return "character"
    if last.head.lemma_ in NAMING_VERBS:
        return "character"
    head = last.head if last.dep_ != "compound" else last.head.head
    if last.dep_ == "pobj" and head.lower_ in _PLACE_PREPOSITIONS:
        return "location"
    if last.dep_ == "pobj" and head.lower_ == "of" and head.head.lemma_.casefold() in (
            "street", "city", "town", "village", "outskirt", "edge", "centre", "center", "heart", "port", "ruin",
            "rooftop", "gate", "wall", "shore", "coast", "island", "kingdom", "land", "hill", "harbour", "harbor",
            "dock", "road", "market", "square"):
        return "location"
    if last.ent_type_ in _PLACE_ENTITIES:
        return "location"
    return "character"


def _aliases(doc: Doc, tokens: list[Token], kind: str) -> tuple[str, ...]:
    if kind != "character":
        return ()
    titles = [t for t in tokens if _is_title(t)] if len(tokens) > 1 else []
    words = [t.text for t in tokens if t not in titles]
    aliases: list[str] = []
    if titles and words:
        aliases.append(" ".join(words))
    if len(words) >= 2:
        aliases += [words[0], words[-1]]
    if titles and len(words) >= 2:
        aliases += [f"{titles[-1].text} {words[0]}", f"{titles[-1].text} {words[-1]}"]
    if titles and titles[-1].lower_.rstrip(".") in RANKS:
        aliases.append(f"the {titles[-1].lower_.rstrip('.')}")
    aliases += [f"the {role}" for role in _role_nouns(doc, tokens[0], tokens[-1])]
    return tuple(dict.fromkeys(aliases))


def find_names(doc: Doc, taken: Iterable[tuple[int, int]]) -> list[NameFound]:
    """Names in ``doc`` outside the ``taken`` character spans (already linked), each with its kind and aliases."""
    spans = list(taken)

    def is_taken(token: Token) -> bool:
        return any(s <= token.idx < e for s, e in spans)

    found: list[NameFound] = []
    known: dict[str, str] = {}  # alias or name (casefolded) → the name it belongs to, within this prompt
    i = 0
    while i < len(doc):
        if not _is_name_token(doc[i]) or is_taken(doc[i]):
            i += 1
            continue
        j = i
        while j + 1 < len(doc) and _is_name_token(doc[j + 1]) and not is_taken(doc[j + 1]):
            j += 1
        tokens = list(doc[i:j + 1])
        touches_known = (i > 0 and is_taken(doc[i - 1])) or (j + 1 < len(doc) and is_taken(doc[j + 1]))
        i = j + 1
        while tokens and tokens[-1].lower_ in ("of", "the"):
            tokens.pop()
        named = bool(tokens) and tokens[-1].head.lemma_ in NAMING_VERBS and tokens[-1].dep_ != "compound"
        if not tokens or touches_known or (all(_is_title(t) for t in tokens) and not named):
            continue
        epithet = tokens[-1].dep_ == "pobj" and tokens[-1].head.lower_ == "of" and _is_name_token(tokens[-1].head.head)
        if epithet and tokens[-1].lower_ not in PLACE_WORDS:
            continue  # "Lady Elowen of Ashgrove"
        if len(tokens) == 1 and tokens[0].is_sent_start and tokens[0].pos_ != "PROPN" \
                and tokens[0].ent_type_ not in _NAME_ENTITIES:
            continue
        after = doc[tokens[-1].i + 1] if tokens[-1].i + 1 < len(doc) else None
        possessive = after is not None and after.dep_ == "case" and after.lower_ in ("'s", "’s", "'", "’")
        start = tokens[0].idx
        end = tokens[-1].idx + len(tokens[-1].text)
        name = doc.text[start:end]
        if possessive and after is not None:
            end = after.idx + len(after.text)
        kind = _name_kind(doc, tokens, possessive)
        name = known.get(name.casefold(), name)
        aliases = _aliases(doc, tokens, kind)
        for alias in (name, *aliases):
            known.setdefault(alias.casefold(), name)
        found.append(NameFound(start, end, name, kind, possessive, aliases))
    return found
