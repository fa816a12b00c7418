"""Who and whose in a parsed prompt: the character each word refers to, and the owner of each thing.

Pronouns ("she", "his", "whose") resolve to the subject of their clause, else the nearest
character named before them in the same or the previous sentence, keeping to a title's
gender where it has one. A thing's owner comes from the parse: a possessive ("her red
scarf", "Mara's coat", "whose cloak"), "with"/"in"/"wearing"/"dressed in" attached to the
character, to a noun in apposition to them or to a verb they are the subject of, and
"has"/"wears" + object. A thing that is only pictured ("a portrait of Mara in red") is
nobody's look.
"""
from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Doc, Token

from app.continuity.bible import Bible
from app.continuity.mentions import Linking, Mention
from app.continuity.names import FEMALE_TITLES, MALE_TITLES, NAMING_VERBS
from app.continuity.wardrobe import HAIR_SLOTS, NOT_LOOKS, describes_look, is_item, slot_of

#: how a thing comes to be someone's look
WEARING_VERBS = frozenset({"wear", "sport", "don", "have"})
_DRESSING = frozenset({"dress", "wrap", "clothe", "clad", "garb", "bundle", "swathe", "muffle", "swaddle", "robe",
                       "cloak", "drape", "attire", "kit"})
_DEPICTIONS = frozenset({"picture", "photo", "photograph", "portrait", "drawing", "painting", "sketch", "statue",
                         "poster", "image", "memory", "dream", "likeness", "doll", "figurine", "reflection"})
#: personal pronouns → the gender they keep to ("" for any)
PERSONAL_PRONOUNS = {"he": "m", "him": "m", "his": "m", "himself": "m", "she": "f", "her": "f", "hers": "f",
                     "herself": "f", "they": "", "them": "", "their": "", "themselves": ""}
_RELATIVE = frozenset({"who", "whom", "whose", "that"})
_MARKERS = frozenset({"with", "in", "wearing", "wears", "wore", "sporting", "sports", "has", "had", "have"})
#: tags of the words that may stand between an owner word and the thing ("her long red wool coat")
_DESCRIBING_TAGS = frozenset({"JJ", "JJR", "JJS", "NN", "NNS", "NNP", "VBN", "VBG", "HYPH", "DT", "CD", "RB"})


class Referents:
    """The parse of one prompt and its linked mentions, by token: who each word is, whose each thing is."""

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
        if token.lower_ in PERSONAL_PRONOUNS or token.lower_ in _RELATIVE:
            return self.resolve(token)
        if token.pos_ not in ("NOUN", "PROPN"):
            return None
        for child in token.children:
            if child.dep_ in ("acl", "relcl") and child.lemma_ in NAMING_VERBS:
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
        gender = PERSONAL_PRONOUNS.get(pronoun.lower_, "")

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
        if noun.dep_ in ("dobj", "attr") and noun.head.lemma_ in WEARING_VERBS:
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
            if token.lower_ in PERSONAL_PRONOUNS or token.lower_ in _RELATIVE:
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
