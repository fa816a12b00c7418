"""Who is in frame: the Bible's characters dressed as the prompt says, the prompt's unnamed people and animals.

A Bible character keeps its own colours unless the prompt dresses it ("Mara,
in a green raincoat"); in the rain a character who owns a raincoat wears it.
A character the prompt or the Bible calls an animal ("Juniper … is a clever
fox", ``species: fox``) is drawn as that animal. Unnamed people become figures
of their own unless a Bible character already answers to the noun ("the woman"
when Mara is ``a woman``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.media.colours import RGB, parse_color
from app.providers.video.local.animals import COATS
from app.providers.video.local.shot import Person, Shot
from app.providers.video.local.shot_words import ANIMALS
from app.providers.video.local.wording import attributes_of, words_of

#: garments that do not cover most of a figure, so they never decide its main colour
ACCESSORIES = {"hat", "scarf", "shoes", "trousers", "jeans", "skirt"}
#: what a character wears when it rains, if it owns one
RAIN_GEAR = ("raincoat", "mac", "poncho", "anorak", "umbrella")
MAX_CAST = 8
_SPECIES_KEYS = ("species", "animal", "kind", "type", "creature", "race", "is")


@dataclass(frozen=True)
class Member:
    """One figure to draw: a person (``entity`` in the Bible's shape) or an animal (``animal`` in ``coat``)."""

    key: str
    entity: dict[str, Any]
    animal: str | None = None
    coat: RGB | None = None


def cast_of(characters: list[dict[str, Any]], shot: Shot, weather: str | None) -> list[Member]:
    """The figures in frame, Bible characters first, then the prompt's unnamed people, then its animals."""
    unnamed = [p for p in shot.people if p.name is None]
    members: list[Member] = []
    kinds: set[str] = set()
    for number, character in enumerate(characters):
        name = str(character.get("name") or "")
        person = shot.person_named(name) or _answering(unnamed, character)
        wears = dict(person.wears) if person else {}
        hair = person.hair if person else None
        key = str(character.get("id") or name or number)
        kind = (person.animal if person else None) or _animal_in(character)
        if kind:
            kinds.add(kind)
            fur = (person.fur if person else None) or attributes_of(character).get("fur")
            members.append(Member(key, character, kind, parse_color(fur or "") or COATS[kind]))
        else:
            members.append(Member(key, dressed(character, wears, hair, weather)))
    for number, person in enumerate(unnamed):
        attributes = {**person.wears, **({"hair": person.hair} if person.hair else {})}
        members.append(Member(f"shot-person-{number}", {"id": f"shot-person-{number}", "name": person.noun,
                                                         "attributes": attributes}))
    for number, animal in enumerate(shot.animals):
        if animal.kind in kinds and animal.color is None:  # "the fox" is the Bible's fox
            continue
        coat = parse_color(animal.color or "") or COATS[animal.kind]
        members.append(Member(f"shot-animal-{number}", {"id": f"shot-animal-{number}", "name": animal.kind},
                              animal.kind, coat))
    return members[:MAX_CAST]


def dressed(character: dict[str, Any], wears: dict[str, str], hair: str | None, weather: str | None
            ) -> dict[str, Any]:
    """``character`` with the prompt's garments on top: the first one that covers the figure sets its colour."""
    attributes = attributes_of(character)
    main = next((colour for garment, colour in wears.items() if garment not in ACCESSORIES), None)
    if main is None and weather == "rain":
        main = next((attributes[g] for g in RAIN_GEAR if g in attributes and parse_color(attributes[g])), None)
    extra = {garment: colour for garment, colour in wears.items() if garment in ACCESSORIES}
    if hair:
        extra["hair"] = hair
    if main is None and not extra:
        return character
    ordered = {"color": main} if main else {}
    ordered.update({k: v for k, v in attributes.items() if not (main and k in ("color", "colour"))})
    ordered.update(extra)
    return {**character, "attributes": ordered}


def _answering(unnamed: list[Person], character: dict[str, Any]) -> Person | None:
    """The unnamed person the prompt means by this character ("the woman" for Mara, ``a woman``), taken
    out of ``unnamed`` so it is not drawn twice."""
    words = words_of(character)
    for person in unnamed:
        if re.search(rf"\b{re.escape(person.noun)}\b", words):
            unnamed.remove(person)
            return person
    return None


def _animal_in(character: dict[str, Any]) -> str | None:
    """The animal a character's name or its ``species``-like attributes name ("Rusty the fox")."""
    attributes = attributes_of(character)
    said = [str(character.get("name") or "")] + [attributes[k] for k in _SPECIES_KEYS if k in attributes]
    for word in re.findall(r"[a-z]+", " ".join(said).lower()):
        if word in ANIMALS:
            return ANIMALS[word]
    return None


def props_of(props: list[dict[str, Any]], shot: Shot) -> list[dict[str, Any]]:
    """The Bible's props in frame, then the objects the prompt mentions that none of them already is."""
    things = [
        {"id": f"shot-thing-{number}", "name": thing.noun, "attributes": {"color": thing.color} if thing.color else {}}
        for number, thing in enumerate(shot.things)
        if not any(re.search(rf"\b{re.escape(thing.noun)}", words_of(prop)) for prop in props)
    ]
    return props + things
