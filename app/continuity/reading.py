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

Names are found by :mod:`app.continuity.names`; who a pronoun is and whose a thing is, by
:class:`app.continuity.referents.Referents`, which :class:`ProseReader` extends.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.tokens import Doc, Token

from app.continuity import language
from app.continuity.bible import SET_ATTRIBUTE, UNSET_ATTRIBUTE, Bible
from app.continuity.grammar import read_states
from app.continuity.mentions import Claim, Linking, Mention, Reading, Statement, link_mentions
from app.continuity.names import find_names
from app.continuity.referents import PERSONAL_PRONOUNS, WEARING_VERBS, Referents
from app.continuity.vocabulary import HAIR_COLOURS
from app.continuity.wardrobe import BODY_ADJECTIVES, HEAD_ADJECTIVES, is_item, slot_of
from app.media.colours import is_colour_word

#: verbs of stated changes (with their particles: "pull on", "take off")
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
_SHADES = frozenset({"bright", "deep", "dark", "pale", "light", "vivid", "dull", "dusty", "faded", "rich"})


class ProseReader(Referents):
    """One reading of a parsed prompt: the looks it claims and the changes it states, as claims and statements."""

    def __init__(self, bible: Bible, prompt: str, doc: Doc, linking: Linking):
        super().__init__(bible, prompt, doc, linking)
        self.claims: list[Claim] = []
        self.statements: list[Statement] = []
        self.consumed: set[int] = set()

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
        if lemma in WEARING_VERBS and now:
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
        words = [t for t in verb.subtree if t.i > after and is_colour_word(t.lower_)]
        if not words:
            return ""
        colour = words[0]
        lead = [c for c in colour.children if c.dep_ in ("advmod", "amod") and c.i < colour.i
                and (is_colour_word(c.lower_) or c.lower_ in _SHADES)]
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
            elif mention.kind in ("prop", "location") and is_colour_word(before.lower_):
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
            if token.lower_ in PERSONAL_PRONOUNS or token.lower_ in ("who", "whose"):
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
