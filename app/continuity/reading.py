"""Reading a prompt with a dependency parse: who is in it, how they look, and what changes.

The prompt is parsed once (``language.parse``). From the parse:

- **new names**: runs of proper nouns (with their titles: "Captain Idris", "Dr. Emil Strand")
  and names given by "named"/"called" ("a courier named Jin"). A run ending in a place
  word ("Saltmarsh Quay", "Vell Lighthouse") or tagged a place and governed by a place
  preposition is a location; the rest are characters. A character gets aliases: the name
  without its title, the first and last name alone, "the captain" for a rank, and
  "the courier" for the noun the prose described them by (an appositive or "a courier named").
- **looks**: every described thing a character has, as (slot, value) facts — the slot is
  the thing's noun in the singular, the value its describing words as written. Whose
  it is comes from the parse: a possessive ("her red scarf", "Mara's coat", "whose
  cloak"), "with"/"in"/"wearing"/"dressed in" attached to the character, to a noun in
  apposition to them or to a verb they are the subject of, "has"/"wears" + object, and
  compound adjectives ("grey-haired" → hair: grey). Coordinated things share their
  owner ("red hair and a blue coat"). A thing that is bought, given, found or seen is
  nobody's look; a thing "without" or under a negated verb is not claimed.
- **stated changes**: put on / pull on / change into / slip into / don / now wearing /
  now has / dye / paint / trade X for Y set the slot; take off / shrug off / remove /
  lose / shave off remove it. A change is recorded, never refused.
- **pronouns** ("she", "his", "whose") resolve to the subject of their clause, else the
  nearest character named before them in the same or the previous sentence, keeping to
  a title's gender where it has one; such links have ``via == "pronoun"``.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from app.continuity import language
from app.continuity.bible import SET_ATTRIBUTE, UNSET_ATTRIBUTE, Bible
from app.continuity.mentions import (
    HAIR_COLOURS,
    NOT_NAMES,
    PLACE_NOUNS,
    TITLES,
    Claim,
    Linking,
    Mention,
    Reading,
    Statement,
    link_mentions,
    read_states,
)
from app.continuity.wardrobe import (
    BODY_ADJECTIVES,
    HAIR_SLOTS,
    HEAD_ADJECTIVES,
    NOT_LOOKS,
    describes_look,
    is_item,
    slot_of,
)
from app.media.colours import COLOUR_FAMILIES

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
_NAMING_VERBS = frozenset({"name", "call", "nickname", "know"})

# how a thing comes to be someone's look
_WEARING_VERBS = frozenset({"wear", "sport", "don", "have"})
_DRESSING = frozenset({"dress", "wrap", "clothe", "clad", "garb", "bundle", "swathe", "muffle", "swaddle", "robe",
                       "cloak", "drape", "attire", "kit"})
_DEPICTIONS = frozenset({"picture", "photo", "photograph", "portrait", "drawing", "painting", "sketch", "statue",
                         "poster", "image", "memory", "dream", "likeness", "doll", "figurine", "reflection"})

# stated changes
_PUTTING = frozenset({"put", "pull", "slip", "throw", "tug", "get", "haul", "drag", "shrug", "button", "zip",
                      "try", "wriggle", "squeeze", "struggle"})
_GETTING_INTO = frozenset({"change", "slip", "get", "switch", "swap", "climb", "step", "wriggle", "squeeze",
                           "struggle", "dress"})
_TAKING_OFF = frozenset({"take", "pull", "shrug", "peel", "strip", "slip", "kick", "tug", "throw", "rip", "tear",
                         "shave", "whip", "yank", "cast", "wriggle", "ease", "wrench"})
_REMOVING = frozenset({"remove", "shed", "lose", "doff", "discard", "ditch", "abandon"})
_COLOURING = frozenset({"dye", "colour", "color", "paint", "bleach", "tint", "dip", "spray"})
_BECOMING = frozenset({"turn", "go", "become", "grow", "fade"})
_TRADING = frozenset({"trade", "swap", "exchange", "switch"})

_PERSONAL = {"he": "m", "him": "m", "his": "m", "himself": "m", "she": "f", "her": "f", "hers": "f",
             "herself": "f", "they": "", "them": "", "their": "", "themselves": ""}
_RELATIVE = frozenset({"who", "whom", "whose", "that"})
_SHADES = frozenset({"bright", "deep", "dark", "pale", "light", "vivid", "dull", "dusty", "faded", "rich"})
_MARKERS = frozenset({"with", "in", "wearing", "wears", "wore", "sporting", "sports", "has", "had", "have"})
#: tags of the words that may stand between an owner word and the thing ("her long red wool coat")
_DESCRIBING_TAGS = frozenset({"JJ", "JJR", "JJS", "NN", "NNS", "NNP", "VBN", "VBG", "HYPH", "DT", "CD", "RB"})


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
    if token.lower_ in COLOUR_FAMILIES and token.ent_type_ != "PERSON" and (
            token.is_sent_start or token.i + 1 >= len(token.doc) or not token.doc[token.i + 1].text[:1].isupper()):
        return False
    if token.pos_ == "PROPN" or _is_title(token):
        return True
    if token.ent_type_ in _NAME_ENTITIES:
        return True
    # "a courier named Jin", even when the tagger thinks Jin is a noun
    return token.dep_ in ("oprd", "attr", "dobj", "npadvmod", "appos") and token.head.lemma_ in _NAMING_VERBS


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
    if last.head.lemma_ in _NAMING_VERBS and last.head.dep_ in ("acl", "relcl") and last.dep_ != "compound":
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
    if last.head.lemma_ in _NAMING_VERBS:
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
        named = bool(tokens) and tokens[-1].head.lemma_ in _NAMING_VERBS and tokens[-1].dep_ != "compound"
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


class ProseReader:
    """The working state of one reading: the parse, the mentions by token, claims and statements."""

    def __init__(self, bible: Bible, prompt: str, doc: Doc, linking: Linking):
        self.bible = bible
        self.prompt = prompt
        self.doc = doc
        self.mentions = list(linking.mentions)
        self.by_token: dict[int, Mention] = {}
        for mention in self.mentions:
            if not mention.linked:
                continue
            for token in doc:
                if mention.start <= token.idx < mention.end:
                    self.by_token[token.i] = mention
        self.pronouns: dict[int, Mention] = {}
        self.claims: list[Claim] = []
        self.statements: list[Statement] = []
        self.consumed: set[int] = set()

    # --- who -------------------------------------------------------------------------------

    def character_at(self, token: Token) -> Mention | None:
        mention = self.by_token.get(token.i)
        return mention if mention is not None and mention.kind == "character" else None

    def gender_of(self, mention: Mention) -> str:
        entity = self.bible.get(mention.entity_id)
        words = (entity.name if entity else mention.text).casefold().split()
        if words and (words[0] in FEMALE_TITLES or words[0].rstrip(".") in FEMALE_TITLES):
            return "f"
        if words and (words[0] in MALE_TITLES or words[0].rstrip(".") in MALE_TITLES):
            return "m"
        return ""

    def person_of(self, token: Token | None, depth: int = 0) -> Mention | None:
        """The character a token stands for: their name, a pronoun, or a noun describing them."""
        if token is None or depth > 4:
            return None
        if mention := self.character_at(token):
            return mention
        if token.lower_ in _PERSONAL or token.lower_ in _RELATIVE:
            return self.resolve(token)
        if token.pos_ not in ("NOUN", "PROPN"):
            return None
        for child in token.children:
            if child.dep_ in ("acl", "relcl") and child.lemma_ in _NAMING_VERBS:
                for named in child.children:
                    if found := self.character_at(named):
                        return found
            if child.dep_ == "appos" and (found := self.character_at(child) or self.person_of(child, depth + 1)):
                return found
            if child.dep_ == "compound" and (found := self.character_at(child)):
                return found
        if token.dep_ == "appos":
            return self.person_of(token.head, depth + 1)
        return None

    def resolve(self, pronoun: Token) -> Mention | None:
        """A pronoun's character: a relative pronoun's antecedent, else the clause's subject or the nearest fit."""
        if pronoun.i in self.pronouns:
            return self.pronouns[pronoun.i]
        found: Mention | None = None
        if pronoun.lower_ in _RELATIVE:
            node = pronoun
            for _ in range(4):
                if node.dep_ in ("relcl", "acl"):
                    found = self.person_of(node.head)
                    break
                node = node.head
        else:
            found = self.antecedent(pronoun)
        if found is not None:
            self.pronouns[pronoun.i] = found
        return found

    def antecedent(self, pronoun: Token) -> Mention | None:
        gender = _PERSONAL.get(pronoun.lower_, "")

        def fits(mention: Mention | None) -> bool:
            return mention is not None and (not gender or self.gender_of(mention) in ("", gender))

        verb = pronoun.head
        while verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i:
            verb = verb.head
        for subject in self.subjects(verb):
            if subject.i < pronoun.i and subject.i != pronoun.i and fits(mention := self.character_at(subject)):
                return mention
        sentence = pronoun.sent
        before = [self.by_token[t.i] for t in sentence if t.i < pronoun.i and t.i in self.by_token]
        before = [m for m in before if m.kind == "character" and fits(m)]
        if before:
            return before[-1]
        if sentence.start > 0:
            previous = self.doc[sentence.start - 1].sent
            earlier = [self.by_token[t.i] for t in previous if t.i in self.by_token]
            earlier = [m for m in earlier if m.kind == "character" and fits(m)]
            subjects = [self.by_token[t.i] for t in previous if t.i in self.by_token and t.dep_.startswith("nsubj")]
            subjects = [m for m in subjects if m.kind == "character" and fits(m)]
            if subjects:
                return subjects[0]
            if earlier:
                return earlier[-1]
        return None

    def subjects(self, verb: Token) -> list[Token]:
        """The subject tokens of ``verb``, following coordination and participles up to a subject."""
        node = verb
        for _ in range(5):
            found = [c for c in node.children if c.dep_ in ("nsubj", "nsubjpass")]
            if found:
                return found + [c for f in found for c in f.conjuncts]
            if node.dep_ in ("acl", "relcl") or (node.dep_ == "amod" and node.head.pos_ in ("NOUN", "PROPN")):
                return [node.head]
            if node.head.i == node.i:
                return []
            node = node.head
        return []

    def subject_of(self, verb: Token) -> Mention | None:
        for subject in self.subjects(verb):
            if mention := self.person_of(subject):
                return mention
        return None

    # --- what ------------------------------------------------------------------------------

    def value_of(self, noun: Token) -> str:
        """A thing's describing words as written: "brass-buttoned naval" for "a brass-buttoned naval coat"."""
        picked: set[int] = set()
        for child in noun.lefts:
            if child.dep_ in ("amod", "compound", "nmod", "npadvmod", "advmod", "nummod", "quantmod"):
                picked.update(t.i for t in child.subtree if t.dep_ not in ("det", "poss", "case", "cc"))
        for child in noun.rights:
            if child.dep_ in ("amod", "appos", "acomp") and describes_look(" ".join(t.text for t in child.subtree)):
                picked.update(t.i for t in child.subtree
                              if t.dep_ not in ("det", "poss", "case", "cc", "punct", "prep", "pobj")
                              and not any(a.dep_ == "prep" for a in t.ancestors if a.i > noun.i))
        if noun.dep_ in ("nsubj", "nsubjpass") and noun.head.lemma_ in ("be", "look", "seem", "appear", "stay",
                                                                         "remain"):
            for child in noun.head.children:
                if child.dep_ in ("acomp", "attr", "oprd") and describes_look(child.text):
                    picked.update(t.i for t in child.subtree if t.dep_ not in ("det", "cc", "punct", "prep", "pobj"))
                    picked.update(c.i for c in child.conjuncts if describes_look(c.text))
        return self.words(picked)

    def words(self, indices: Iterable[int]) -> str:
        tokens = [self.doc[i] for i in sorted(set(indices))]
        tokens = [t for t in tokens if t.lower_ not in NOT_LOOKS and not (t.is_punct and t.text != "-")]
        text = ""
        for index, token in enumerate(tokens):
            text += token.lower_
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if following is not None and not (following.i == token.i + 1 and not token.whitespace_):
                text += " "
        text = text.strip("- ")
        return " ".join(text.split())

    def negated(self, token: Token) -> bool:
        for ancestor in [token, *token.ancestors]:
            if any(c.dep_ == "neg" for c in ancestor.children):
                return True
            if ancestor.lower_ == "without":
                return True
            if ancestor.pos_ == "VERB" and ancestor.dep_ not in ("conj", "xcomp", "amod", "acl"):
                break
        return False

    def depicted(self, mention_token: Token) -> bool:
        head = mention_token.head
        return mention_token.dep_ == "pobj" and head.lower_ == "of" and head.head.lemma_.casefold() in _DEPICTIONS

    def owner_of(self, noun: Token, depth: int = 0) -> Mention | None:
        """Whose look ``noun`` is, from the parse; None for things merely handled, seen or bought."""
        if depth > 3:
            return None
        if noun.dep_ == "conj":
            first = noun
            while first.dep_ == "conj":
                first = first.head
            if first.pos_ in ("NOUN", "PROPN"):
                return self.owner_of(first, depth + 1)
        for child in noun.children:
            if child.dep_ == "poss":
                return self.person_of(child)
        if noun.dep_ == "pobj":
            preposition = noun.head
            word = preposition.lower_
            if word == "without":
                return None
            if word in ("with", "in", "wearing"):
                governor = preposition.head
                if governor.lemma_ in _DRESSING and governor.pos_ in ("VERB", "ADJ"):
                    return (self.person_of(governor.head) if governor.dep_ in ("acl", "amod", "appos")
                            else self.subject_of(governor))
                if governor.pos_ in ("NOUN", "PROPN", "PRON"):
                    if owner := self.person_of(governor):
                        return owner
                    if is_item(governor.text):
                        return self.owner_of(governor, depth + 1)
                    if word == "in":  # "stands at the blackboard in a brown jacket"
                        verb = governor
                        while verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i:
                            verb = verb.head
                        return self.subject_of(verb) if verb.pos_ in ("VERB", "AUX") else None
                    return None
                if governor.pos_ in ("VERB", "AUX", "ADJ"):
                    return self.subject_of(governor)
            return None
        if noun.dep_ in ("dobj", "attr") and noun.head.lemma_ in _WEARING_VERBS:
            return self.subject_of(noun.head)
        if noun.dep_ == "appos":
            return self.person_of(noun.head)
        return None

    def owner_by_surface(self, noun: Token) -> Mention | None:
        """Whose ``noun`` is from the words before it, for when the parse went astray (short prompts
        whose verb the tagger takes for a plural noun): "her …", "Mara's …", "Mara, in a …",
        "Mara with …", "who is wearing a …"."""
        start = noun.sent.start
        i = noun.i - 1
        while i >= start:
            token = self.doc[i]
            if token.tag_ == "PRP$" or token.lower_ == "whose":
                return self.person_of(token)
            if token.tag_ == "POS" and i > start:
                return self.character_at(self.doc[i - 1])
            if token.i in self.by_token or token.tag_ not in _DESCRIBING_TAGS or token.lower_ in _MARKERS:
                break
            i -= 1
        if i < start:
            return None
        marker = self.doc[i]
        word = marker.lower_
        if word in _MARKERS and word not in ("with", "in"):
            if owner := self.subject_of(marker) if marker.pos_ in ("VERB", "AUX") else None:
                return owner
        elif word not in ("with", "in"):
            return None
        if word in ("in", "with") and i > start and self.doc[i - 1].lemma_ in _DRESSING:
            i -= 1
        for j in range(i - 1, start - 1, -1):
            token = self.doc[j]
            if (mention := self.character_at(token)) is not None:
                return mention
            if token.lower_ in _PERSONAL or token.lower_ in _RELATIVE:
                return self.person_of(token)
            if token.tag_ in ("VBZ", "VBD", "VBP") and token.lower_ not in ("is", "was", "are", "were"):
                return None
        return None

    def item_key(self, noun: Token) -> str:
        """The attribute a thing is kept under: its noun as written ("boots"), any hairstyle under "hair"."""
        return "hair" if slot_of(noun.text) in HAIR_SLOTS else noun.lower_

    def value_before(self, noun: Token) -> str:
        """The describing words right before ``noun``, when the parse did not attach them to it."""
        picked = []
        i = noun.i - 1
        while i >= noun.sent.start:
            token = self.doc[i]
            if token.i in self.by_token or token.tag_ not in _DESCRIBING_TAGS or token.lower_ in _MARKERS \
                    or token.tag_ == "DT":
                break
            picked.append(i)
            i -= 1
        return self.words(picked)

    # --- reading ---------------------------------------------------------------------------

    def read(self) -> None:
        self.read_changes()
        self.read_looks()
        self.read_compounds()

    def items(self) -> Iterator[Token]:
        """Nouns for things people wear or look like: known ones, those coordinated with one
        ("a trench coat and a grey homburg") and whatever is worn ("wears a sash")."""
        for token in self.doc:
            if token.pos_ not in ("NOUN", "PROPN", "X") or token.i in self.by_token:
                continue
            worn = token.dep_ in ("dobj", "obj") and token.head.lemma_ in ("wear", "sport", "don")
            alongside = token.dep_ == "conj" and any(is_item(t.text) for t in token.head.conjuncts + (token.head,))
            if is_item(token.text) or worn or (alongside and token.pos_ == "NOUN"):
                yield token

    def state(self, owner: Mention | None, op: str, noun: Token, value: str | None, text: str) -> None:
        if owner is None or owner.entity_id is None:
            return
        key = self.item_key(noun)
        entity = self.bible.get(owner.entity_id)
        recorded = [k for k in (entity.attributes if entity else ()) if slot_of(k) == slot_of(key)]
        key = recorded[0] if recorded else key
        if op == UNSET_ATTRIBUTE and not recorded:
            return
        if op == SET_ATTRIBUTE and not value:
            return
        if any(s.entity_id == owner.entity_id and s.key == key for s in self.statements):
            return
        self.statements.append(Statement(owner.entity_id, op, key, value, text))

    def read_changes(self) -> None:
        for verb in self.doc:
            if verb.pos_ in ("VERB", "AUX"):
                self.read_change(verb)

    def read_change(self, verb: Token) -> None:
        """The looks ``verb`` changes: what it puts on or takes off, dyes, paints or trades."""
        lemma = verb.lemma_.casefold()
        particles = {c.lower_ for c in verb.children if c.dep_ == "prt"}
        preps = {c.lower_: c for c in verb.children if c.dep_ == "prep"}
        objects = [o for c in verb.children if c.dep_ in ("dobj", "obj") for o in (c, *c.conjuncts)]
        text = verb.sent.text

        def pobjs(word: str) -> list[Token]:
            prep = preps.get(word)
            return [o for c in (prep.children if prep else ()) if c.dep_ == "pobj" for o in (c, *c.conjuncts)]

        setting: list[Token] = []
        removing: list[Token] = []
        now = any(c.lower_ == "now" for c in verb.children) or any(
            c.lower_ == "now" for c in verb.head.children if verb.dep_ in ("aux", "auxpass"))
        if lemma == "don" or (lemma in _PUTTING and "on" in particles):
            setting += objects + pobjs("on")
        elif lemma in _PUTTING and "on" in preps:
            setting += pobjs("on")
        if lemma in _GETTING_INTO:
            setting += pobjs("into")
        if lemma in _WEARING_VERBS and now:
            setting += objects
        if lemma in _TAKING_OFF and "off" in particles:
            removing += objects + pobjs("off")
        elif lemma in _TAKING_OFF and "off" in preps:
            removing += pobjs("off")
        if lemma in _REMOVING:
            removing += objects
        if lemma in _TRADING and "for" in preps:
            removing += objects
            setting += pobjs("for")
        if lemma == "shave":
            removing += [o for o in objects if slot_of(o.text) in ("beard", "moustache")]
        for noun in setting:
            if is_item(noun.text):
                self.consume(noun)
                self.state(self.subject_of(verb) or self.owner_of(noun), SET_ATTRIBUTE, noun, self.value_of(noun), text)
        for noun in removing:
            if is_item(noun.text):
                self.consume(noun)
                self.state(self.owner_of(noun) or self.subject_of(verb), UNSET_ATTRIBUTE, noun, None, text)
        if lemma in _COLOURING:
            self.read_colouring(verb, objects, text)
        if lemma in _BECOMING:
            for subject in (c for c in verb.children if c.dep_ == "nsubj"):
                colour = self.colour_in(verb, after=subject.i)
                if is_item(subject.text) and colour:
                    self.consume(subject)
                    self.state(self.owner_of(subject), SET_ATTRIBUTE, subject, colour, text)

    def colour_in(self, verb: Token, after: int) -> str:
        words = [t for t in verb.subtree if t.i > after and t.lower_ in COLOUR_FAMILIES]
        if not words:
            return ""
        colour = words[0]
        lead = [c for c in colour.children if c.dep_ in ("advmod", "amod") and c.i < colour.i
                and (c.lower_ in COLOUR_FAMILIES or c.lower_ in _SHADES)]
        return self.words([*(t.i for t in lead), colour.i])

    def read_colouring(self, verb: Token, objects: list[Token], text: str) -> None:
        things = list(objects)
        for child in verb.children:  # "dyes her hair blonde" parses as a clause: hair is its subject
            if child.dep_ in ("ccomp", "xcomp", "oprd"):
                things += [c for c in child.children if c.dep_ in ("nsubj", "dobj")]
        things += [t for t in verb.subtree if t.i > verb.i and t not in things
                   and (m := self.by_token.get(t.i)) is not None and m.kind in ("prop", "location")]
        for noun in things:
            target = self.by_token.get(noun.i)
            if target is not None and target.kind in ("prop", "location") and target.entity_id:
                if colour := self.colour_in(verb, after=noun.i):  # "paints the lantern red"
                    self.consume(noun)
                    if not any(s.entity_id == target.entity_id and s.key == "colour" for s in self.statements):
                        self.statements.append(Statement(target.entity_id, SET_ATTRIBUTE, "colour", colour, text))
                continue
            if not is_item(noun.text):
                continue
            colour = self.colour_in(verb, after=noun.i)
            if colour:
                self.consume(noun)
                self.state(self.owner_of(noun) or self.subject_of(verb), SET_ATTRIBUTE, noun, colour, text)

    def consume(self, noun: Token) -> None:
        self.consumed.add(noun.i)

    def claim(self, owner: Mention | None, key: str, value: str, text: str) -> None:
        if owner is None or owner.entity_id is None or not value:
            return
        if any(c.entity_id == owner.entity_id and c.key == key for c in self.claims):
            return
        self.claims.append(Claim(owner.entity_id, key, value, text))

    def read_looks(self) -> None:
        for noun in self.items():
            if noun.i in self.consumed or self.negated(noun):
                continue
            owner = self.owner_of(noun)
            owner_token = next((t for t in self.doc if self.by_token.get(t.i) is owner), None)
            if owner_token is not None and self.depicted(owner_token):
                continue
            owner = owner or self.owner_by_surface(noun)
            if owner is None:
                continue
            value = self.value_of(noun) or self.value_before(noun)
            self.claim(owner, self.item_key(noun), value, self.phrase(noun))
        for index, mention in sorted(self.by_token.items()):
            token = self.doc[index]
            if index == 0 or token.i != min(i for i, m in self.by_token.items() if m is mention):
                continue
            before = self.doc[index - 1]
            if mention.kind == "character" and before.lower_ in HAIR_COLOURS:
                self.claim(mention, "hair", before.lower_, f"{before.text} {mention.text}")
            elif mention.kind in ("prop", "location") and before.lower_ in COLOUR_FAMILIES:
                self.claim(mention, "colour", before.lower_, f"{before.text} {mention.text}")
        for token in self.doc:  # "a bald woman"
            if token.lower_ in HEAD_ADJECTIVES and token.dep_ == "amod" and not is_item(token.head.text):
                self.claim(self.person_of(token.head), "head", token.lower_, f"{token.text} {token.head.text}")

    def read_compounds(self) -> None:
        """"grey-haired", "blue-eyed": the body word inside a hyphenated adjective, and its colour or shape."""
        for token in self.doc:
            slot = BODY_ADJECTIVES.get(token.lower_)
            if slot is None or token.i < 2 or self.doc[token.i - 1].text != "-":
                continue
            describing = self.doc[token.i - 2]
            value = describing.lower_
            holder = token.head
            owner = None
            for _ in range(4):
                owner = self.person_of(holder) or (self.subject_of(holder) if holder.pos_ in ("VERB", "AUX") else None)
                if owner is not None or holder.head.i == holder.i:
                    break
                holder = holder.head
            if owner is None:  # "red-haired Mara": the name right after
                following = self.doc[token.i + 1] if token.i + 1 < len(self.doc) else None
                owner = self.character_at(following) if following is not None else None
            self.claim(owner, slot, value, f"{describing.text}-{token.text}")

    def phrase(self, noun: Token) -> str:
        tokens = [t for t in noun.subtree if t.i <= noun.i or t.dep_ in ("amod", "appos", "acomp", "conj")]
        start = min(t.idx for t in tokens)
        end = noun.idx + len(noun.text)
        return self.prompt[start:end]

    def pronoun_mentions(self) -> list[Mention]:
        found = []
        for token in self.doc:
            if token.lower_ in _PERSONAL or token.lower_ in ("who", "whose"):
                mention = self.resolve(token)
                if mention is not None and mention.entity_id:
                    found.append(Mention(token.text, token.idx, token.idx + len(token.text), mention.entity_id,
                                         mention.kind, "pronoun"))
        return found


def read_prompt(bible: Bible, prompt: str, used_ids: Iterable[str] = ()) -> Reading:
    """Link ``prompt`` to ``bible`` and read, from its parse, the looks, changes and states it gives them."""
    doc = language.parse(prompt)
    linking = link_mentions(bible, prompt, used_ids, names=lambda taken: find_names(doc, taken))
    reader = ProseReader(bible, prompt, doc, linking)
    reader.read()
    states = read_states(bible, prompt, linking)
    pronouns = reader.pronoun_mentions()
    mentions = tuple(sorted([*states.mentions, *pronouns], key=lambda m: (m.start, m.via == "pronoun")))
    return Reading(mentions=mentions, new_entities=linking.new_entities, prompt=prompt,
                   claims=tuple(reader.claims), statements=tuple([*reader.statements, *states.statements]))
