"""The colours the renderer paints the Bible's entities in: coats, legs, skin and hair, and a location's tint."""
from __future__ import annotations

import re
from typing import Any

from app.media.colours import RGB, hsv, parse_color
from app.providers.video.local.chance import stable_int
from app.providers.video.local.wording import attributes_of

#: attribute keys that name what covers most of a figure, most important first
CLOTHING_KEYS = (
    "color", "colour", "coat", "jacket", "cloak", "cape", "robe", "dress", "gown", "shirt", "tunic", "sweater",
    "jumper", "hoodie", "blouse", "armor", "armour", "suit", "uniform", "outfit", "clothes", "clothing", "top",
)
_NOT_CLOTHING = {"hair", "eyes", "eye", "skin", "beard", "hat", "trousers", "pants", "jeans", "skirt", "legs", "shoes"}
LEG_KEYS = ("trousers", "pants", "jeans", "skirt", "legs", "leggings", "shorts")
_SKIN_TONES: list[RGB] = [
    (255, 224, 196), (241, 194, 158), (224, 172, 125), (198, 134, 90), (161, 102, 64), (115, 72, 45), (88, 55, 36),
]
_SKIN_WORDS = {
    "pale": 0, "fair": 0, "light": 1, "freckled": 1, "olive": 2, "tan": 3, "tanned": 3, "golden": 3,
    "brown": 4, "bronze": 4, "dark": 5, "deep": 6, "ebony": 6,
}
HAIR_TONES: list[RGB] = [(30, 25, 22), (70, 45, 28), (110, 70, 40), (200, 165, 100), (150, 60, 30), (120, 120, 120)]

TINT_KEYS = ("color", "colour", "palette", "tint", "light", "lighting")


def signature_color(entity: dict[str, Any] | None) -> RGB:
    """The main colour the local renderer paints ``entity`` with (a character's coat, a prop's body,
    a location's tint): the first colour its attributes name, else its name, else one derived from its id."""
    if not entity:
        return (128, 128, 128)
    attributes = attributes_of(entity)
    for key in CLOTHING_KEYS + TINT_KEYS:
        if key in attributes and (color := parse_color(attributes[key])):
            return color
    for key, value in attributes.items():
        if key not in _NOT_CLOTHING and (color := parse_color(f"{value}")):
            return color
    if color := parse_color(entity.get("name") or ""):
        return color
    return hashed_color(str(entity.get("id") or entity.get("name") or ""))


def hashed_color(key: str) -> RGB:
    """A saturated colour derived from ``key`` alone, the same on every machine."""
    value = stable_int("color", key)
    hue = (value % 360) / 360
    saturation = 0.55 + (value // 360 % 30) / 100
    return hsv(hue, saturation, 0.85)


def skin_tone(text: Any, key: str) -> RGB:
    for word in re.findall(r"[a-z]+", str(text).lower()):
        if word in _SKIN_WORDS:
            return _SKIN_TONES[_SKIN_WORDS[word]]
    return _SKIN_TONES[stable_int("skin", key) % len(_SKIN_TONES)]
