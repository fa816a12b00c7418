"""Continuity rules: small checks of a read prompt against the Bible, kept in one registry.

A rule is a function ``(RuleContext) -> Iterable[Issue]`` registered with
``@rule(name, severity)``; ``run_rules`` stamps each issue with its rule's name
and severity. An ``error`` stops a submission, a ``warning`` lets it through.
Every message names the entity (id and name), the established fact and the
segment that established it, and says how to proceed.

Adding a rule::

    @rule("prop_in_two_places", WARNING)
    def prop_in_two_places(ctx: RuleContext) -> Iterator[Issue]:
        \"\"\"A prop named in two locations at once.\"\"\"
        ...
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from app.continuity.bible import END_FACT, SET_ATTRIBUTE, AttributeValue, Bible, Entity
from app.continuity.injection import describe
from app.continuity.mentions import Mention, Reading, setting_of
from app.continuity.vocabulary import COLOUR_FAMILIES, THINGS
from app.continuity.wardrobe import HAIR_SLOTS, HAIRLESS, ITEMS, disagreement, is_item, slot_of

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    """One finding: a readable ``message`` plus the structured parts the UI and API render.

    ``fact`` is the established fact ("hair: red", "dead", "location: L1 Old Mill"),
    ``since_segment`` the segment that established it, ``said`` the prompt's words,
    ``advice`` how to proceed (also the end of ``message``).
    """

    message: str
    rule: str = ""
    severity: str = ""
    entity_id: str | None = None
    entity_name: str | None = None
    fact: str | None = None
    since_segment: int | None = None
    said: str | None = None
    advice: str = ""
    candidates: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["candidates"] = list(self.candidates)
        return data


@dataclass(frozen=True)
class RuleContext:
    """What a rule may look at: the Bible before this prompt, the reading, and where the story stands.

    ``location_id`` is where the previous segment took place, ``style_id`` the scene's style,
    ``parent_segment_id`` the segment this prompt continues; ``positions`` maps the segment ids on
    the path to the numbers readers see (the Bible records ids).
    """

    bible: Bible
    reading: Reading
    parent_segment_id: int | None = None
    location_id: str | None = None
    style_id: str | None = None
    positions: Mapping[int, int] = field(default_factory=dict)

    def segment_no(self, segment_id: int) -> int:
        """The segment's number in the scene as readers count it (its id when off the path)."""
        return self.positions.get(segment_id, segment_id)

    def label(self, entity_id: str) -> str:
        """``"C1 Mara"`` for a known or a new entity, else the bare id."""
        if entity := self.bible.get(entity_id):
            return entity.label
        new = next((n for n in self.reading.new_entities if n.id == entity_id), None)
        return f"{new.id} {new.name}" if new else entity_id

    def name(self, entity_id: str) -> str:
        label = self.label(entity_id)
        return label.split(" ", 1)[1] if " " in label else label


@dataclass(frozen=True)
class Rule:
    name: str
    severity: str
    check: Callable[[RuleContext], Iterable[Issue]]
    description: str = ""


#: every registered rule, in the order they run
RULES: list[Rule] = []


def rule(name: str, severity: str) -> Callable[[Callable[[RuleContext], Iterable[Issue]]], Callable[[RuleContext], Iterable[Issue]]]:
    """Register the decorated function as the rule ``name``; its docstring becomes the description."""
    if severity not in (ERROR, WARNING):
        raise ValueError(f"A rule's severity is {ERROR!r} or {WARNING!r}, not {severity!r}.")

    def register(check: Callable[[RuleContext], Iterable[Issue]]) -> Callable[[RuleContext], Iterable[Issue]]:
        if any(existing.name == name for existing in RULES):
            raise ValueError(f"A continuity rule named {name!r} is already registered.")
        RULES.append(Rule(name, severity, check, (check.__doc__ or "").strip()))
        return check

    return register


def run_rules(context: RuleContext, rules: Sequence[Rule] | None = None) -> list[Issue]:
    """Every issue the rules find, in rule order, each stamped with its rule's name and severity."""
    return [replace(issue, rule=r.name, severity=r.severity)
            for r in (RULES if rules is None else rules) for issue in r.check(context)]


def _issue(problem: str, advice: str, **fields: Any) -> Issue:
    return Issue(message=f"{problem} {advice}", advice=advice, **fields)


def _bare(name: str) -> str:
    """A name without its leading article, for example sentences: "the Old Mill" → "Old Mill"."""
    words = name.split()
    return " ".join(words[1:]) if len(words) > 1 and words[0].casefold() in ("the", "a", "an") else name


def _quote(text: str) -> str:
    return f"“{text}”"


def _words_after(prompt: str, mention: Mention, count: int = 3) -> str:
    rest = re.split(r"[.,;!?]", prompt[mention.end:], maxsplit=1)[0].split()[:count]
    return " ".join([mention.text, *rest])


# --- established values -----------------------------------------------------------------------


def attribute_phrase(key: str, value: str) -> str:
    """How a message says an attribute: "red hair", "colour green", "age 40"."""
    return f"{value} {key}" if key in THINGS.values() or key in ITEMS or is_item(key) else f"{key} {value}"


def colour_families(text: str) -> set[str]:
    return {COLOUR_FAMILIES[w] for w in re.findall(r"[a-z]+", text.casefold()) if w in COLOUR_FAMILIES}


def contradicts(established: AttributeValue, said: str, key: str = "") -> bool:
    """Whether ``said`` disagrees with an established value of ``key`` (see ``wardrobe.disagreement``)."""
    return disagreement(key, established.value, said) is not None


def _on_record(entity: Entity, key: str, said: str) -> tuple[str, AttributeValue] | None:
    """The recorded attribute a claim about ``key`` disagrees with: the same key, or hair on a shaved or bald head."""
    slot = slot_of(key)
    for recorded, established in entity.attributes.items():
        if slot_of(recorded) == slot and contradicts(established, said, slot):
            return recorded, established
    head = entity.attributes.get("head")
    if key in HAIR_SLOTS and head is not None and set(head.value.casefold().split()) & HAIRLESS:
        return "head", head
    return None


def _change_example(entity: Entity, key: str, value: str) -> str:
    name = _bare(entity.name)
    if key in ("hair", "beard", "moustache"):
        return f"{name} dyes their {key} {value}"
    if key == "eyes":
        return f"{name} now has {value} eyes"
    if key == "colour":
        return f"Someone paints the {name} {value}"
    article = "" if key.endswith("s") else ("an " if value[:1] in "aeiou" else "a ")
    return f"{name} changes into {article}{value} {key}"


# --- the rules --------------------------------------------------------------------------------


@rule("unknown_id", ERROR)
def unknown_id(ctx: RuleContext) -> Iterator[Issue]:
    """An explicit id (C9) that this segment's Bible does not have."""
    for mention in ctx.reading.mentions:
        if mention.via != "id" or mention.linked:
            continue
        known = ctx.bible.of_kind(mention.kind or "")
        if known:
            listed = ", ".join(e.label for e in known[:6]) + (" …" if len(known) > 6 else "")
            advice = f"Use one of the existing ids ({listed}), or write the name without an id to add someone new."
        else:
            advice = f"No {mention.kind} has an id yet: write the name without an id and it will get one."
        yield _issue(f"{mention.text} is not in the Bible at this point of the story "
                     f"(ids from other branches do not carry over).", advice,
                     entity_id=re.sub(r"['’]s$", "", mention.text), said=mention.text)


@rule("ambiguous_mention", WARNING)
def ambiguous_mention(ctx: RuleContext) -> Iterator[Issue]:
    """Words that name more than one entity (an alias two entities share); they stay unlinked."""
    seen: set[str] = set()
    for mention in ctx.reading.mentions:
        if not mention.ambiguous or mention.text.casefold() in seen:
            continue
        seen.add(mention.text.casefold())
        labels = [ctx.label(c) for c in mention.candidates]
        listed = ", ".join(labels[:-1]) + f" or {labels[-1]}"
        yield _issue(f"{_quote(mention.text)} could mean {listed}, so it was not linked.",
                     f"Write the id (e.g. {_quote(mention.candidates[0])}) or the full name to say which.",
                     said=mention.text, candidates=mention.candidates)


@rule("attribute_contradiction", ERROR)
def attribute_contradiction(ctx: RuleContext) -> Iterator[Issue]:
    """The prompt gives an established attribute another value without stating a change."""
    for claim in ctx.reading.claims:
        entity = ctx.bible.get(claim.entity_id)
        found = _on_record(entity, claim.key, claim.value) if entity else None
        if entity is None or found is None:
            continue
        if ctx.reading.statement(entity.id, SET_ATTRIBUTE, claim.key) is not None:
            continue
        key, established = found
        example = _change_example(entity, claim.key, claim.value)
        yield _issue(
            f"{entity.label} has {attribute_phrase(key, established.value)} since segment "
            f"{ctx.segment_no(established.since_segment)}; this prompt says {claim.value} {claim.key} "
            f"({_quote(claim.text)}).",
            f"Reword it, or state the change (e.g. {_quote(example)}).",
            entity_id=entity.id, entity_name=entity.name, fact=f"{key}: {established.value}",
            since_segment=established.since_segment, said=claim.text,
        )


@rule("absent_character_acts", ERROR)
def absent_character_acts(ctx: RuleContext) -> Iterator[Issue]:
    """A character whose state is dead or gone acts in the prompt (being remembered is fine)."""
    reported: set[str] = set()
    for mention in ctx.reading.mentions:
        entity = ctx.bible.get(mention.entity_id)
        if not mention.acts or entity is None or entity.id in reported:
            continue
        fact = entity.active_fact("dead", "gone")
        if fact is None or ctx.reading.statement(entity.id, END_FACT, fact.name):
            continue
        reported.add(entity.id)
        name = _bare(entity.name)
        yield _issue(
            f"{entity.label} is {fact.name} (since segment {ctx.segment_no(fact.since_segment)}), but this prompt has {name} act "
            f"({_quote(_words_after(ctx.reading.prompt, mention))}).",
            f"Reword it so {name} is only remembered (e.g. {_quote('The others remember ' + name)}), "
            f"or state the change (e.g. {_quote(name + ' returns')}).",
            entity_id=entity.id, entity_name=entity.name, fact=fact.name, since_segment=fact.since_segment,
            said=mention.text,
        )


TRANSITIONS = re.compile(
    r"\b(?:go(?:es)?\s+(?:to|into|back|inside)|went\s+(?:to|into|back)|going\s+to|travel\w*|arriv(?:es|ed|ing|e)|"
    r"later|meanwhile|back\s+(?:at|in|to|inside)|(?:cut|fade|dissolve)s?\s+to|enter(?:s|ed|ing)?|"
    r"(?:leaves?|left)\s+for|head(?:s|ed|ing)?\s+(?:to|for|into|toward|back)|"
    r"(?:walk|run|hurr(?:y|ie)|rac|driv|sail|fl(?:y|ie)|rid|return|mov|cross|climb|flee|escap|wander|stroll|"
    r"march|limp|drift|row)(?:e|es|s|ed|ing)?\s+(?:to|into|toward|towards|across|through|inside|back|over)|"
    r"ran\s+(?:to|into)|drove\s+to|flew\s+to|rode\s+to|fled\s+to|reach(?:es|ed)?|"
    r"step(?:s|ped)?\s+(?:into|out|inside|through)|(?:makes?|made)\s+(?:her|his|their)\s+way|"
    r"the\s+next\s+(?:day|morning|night|evening)|that\s+(?:night|evening|morning)|"
    r"(?:hours|days|weeks|years|moments|minutes)\s+later|elsewhere|now\s+at|in\s+the\s+next\s+scene)\b",
    re.I)


@rule("location_jump", WARNING)
def location_jump(ctx: RuleContext) -> Iterator[Issue]:
    """The prompt is set somewhere other than the previous segment, with no transition wording."""
    setting = setting_of(ctx.reading)
    current = ctx.bible.get(ctx.location_id)
    if setting is None or current is None or setting.entity_id == current.id:
        return
    if TRANSITIONS.search(ctx.reading.prompt):
        return
    where = f"where segment {ctx.parent_segment_id} took place" if ctx.parent_segment_id else "the current location"
    place = ctx.name(setting.entity_id or "")
    subject = next((ctx.name(m.entity_id or "") for m in ctx.reading.mentions
                    if m.linked and m.kind == "character"), "Everyone")
    yield _issue(
        f"This prompt moves from {current.label} ({where}) to {ctx.label(setting.entity_id or '')} "
        f"with no transition ({_quote(setting.text)}).",
        f"Add a transition (e.g. {_quote(f'{_bare(subject)} walks to the {_bare(place)}')} or "
        f"{_quote(f'Later, at the {_bare(place)}')}), or keep the scene at {_bare(current.name)}.",
        entity_id=setting.entity_id, entity_name=place, fact=f"location: {current.label}",
        since_segment=ctx.parent_segment_id, said=setting.text,
    )


#: style families by dimension; two families of one dimension conflict (noir vs "in colour")
STYLE_FAMILIES: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "palette": {
        "black and white": (r"black[- ]and[- ]white", r"\bb&w\b", r"\bmonochrome\b", r"\bgr[ae]yscale\b", r"\bnoir\b"),
        "sepia": (r"\bsepia\b",),
        "colour": (r"\bin\s+(?:full\s+|vivid\s+|bright\s+)?colou?rs?\b", r"\bfull[- ]colou?r\b", r"\btechnicolou?r\b",
                   r"\bcolou?rful\b", r"\bvivid\s+colou?rs?\b", r"\bpastels?\b", r"\bneon\b", r"\bsaturated\b"),
    },
    "medium": {
        "live action": (r"\bnoir\b", r"\bphoto-?realistic\b", r"\bphoto-?real\b", r"\bphotographic\b", r"\blive[- ]action\b", r"\bdocumentary\b",
                        r"\bhyper-?realistic\b"),
        "animation": (r"\banime\b", r"\bcartoons?\b", r"\banimated\b", r"\bcel[- ]shaded\b", r"\bclaymation\b",
                      r"\bstop[- ]motion\b", r"\bpixar\b", r"\b3d\s+animation\b", r"\bmanga\b"),
        "painting": (r"\bwatercolou?rs?\b", r"\boil\s+painting\b", r"\bpainterly\b", r"\bimpressionist\b",
                     r"\bgouache\b"),
        "drawing": (r"\bhand[- ]drawn\b", r"\bpencil\s+(?:sketch|drawing)\b", r"\bcharcoal\s+(?:sketch|drawing)\b", r"\bcomic[- ]book\b",
                    r"\bink\s+drawing\b"),
    },
    "mood": {
        "dark": (r"\bnoir\b", r"\bgothic\b", r"\bgritty\b", r"\bgrim\b", r"\bbleak\b"),
        "bright": (r"\bpastels?\b", r"\bcheerful\b", r"\bwhimsical\b", r"\bbright\s+and\s+sunny\b"),
    },
}
_STYLE_PATTERNS = [
    (dimension, family, re.compile(pattern, re.I))
    for dimension, families in STYLE_FAMILIES.items() for family, patterns in families.items() for pattern in patterns
]


def style_phrases(text: str) -> list[tuple[str, str, str]]:
    """(words, dimension, family) for every style instruction in ``text``, in text order."""
    found = [(m.start(), m.group(0), dimension, family)
             for dimension, family, pattern in _STYLE_PATTERNS for m in pattern.finditer(text)]
    return [(words, dimension, family) for _, words, dimension, family in sorted(found)]


def style_text(style: Entity) -> str:
    """A style entity's own words: its name, aliases and attribute values."""
    return ", ".join([*style.names, *(v.value for v in style.attributes.values())])


@rule("style_conflict", WARNING)
def style_conflict(ctx: RuleContext) -> Iterator[Issue]:
    """A style instruction in the prompt that conflicts with the scene's style."""
    style = ctx.bible.get(ctx.style_id)
    if style is None:
        return
    established: dict[str, set[str]] = {}
    for _, dimension, family in style_phrases(style_text(style)):
        established.setdefault(dimension, set()).add(family)
    conflicts = []
    for words, dimension, family in style_phrases(ctx.reading.prompt):
        if dimension in established and family not in established[dimension] and words not in conflicts:
            conflicts.append(words)
    if not conflicts:
        return
    since = max([style.first_seen, *(v.since_segment for v in style.attributes.values())])
    asked = ", ".join(_quote(words) for words in conflicts)
    description = f" ({describe(style)})" if describe(style) else ""
    yield _issue(
        f"The scene's style is {style.label}{description} since segment {ctx.segment_no(since)}; this prompt asks for {asked}.",
        "Remove those words from the prompt, or change the scene's style first.",
        entity_id=style.id, entity_name=style.name, fact=f"style: {style_text(style)}", since_segment=since,
        said=", ".join(conflicts),
    )
