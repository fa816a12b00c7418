"""The house's colour words: what each one looks like on screen, and which family it belongs to.

Two views of one vocabulary. :data:`COLOR_WORDS` gives a word ("crimson", "sky blue") the RGB
colour the local renderer paints with; :func:`parse_color` reads a phrase ("dark red") into one.
:func:`families_of` puts a word in the families people treat as the same colour (crimson is
red, navy is blue): continuity compares descriptions and looks for colours in frames by family.
"""
from __future__ import annotations

import colorsys
import re
from collections.abc import Mapping

RGB = tuple[int, int, int]

COLOR_WORDS: dict[str, RGB] = {
    "black": (22, 22, 26), "white": (240, 240, 236), "grey": (128, 128, 128), "gray": (128, 128, 128),
    "silver": (192, 192, 200), "charcoal": (54, 60, 66), "slate": (90, 100, 112), "ivory": (250, 245, 225),
    "cream": (245, 235, 200), "snow": (250, 250, 252), "ash": (178, 178, 170),
    "red": (200, 30, 35), "crimson": (170, 20, 50), "scarlet": (230, 35, 20), "maroon": (110, 20, 30),
    "burgundy": (120, 25, 45), "wine": (115, 30, 50), "cherry": (190, 20, 50), "ruby": (170, 15, 60),
    "blood": (140, 10, 20), "vermilion": (227, 66, 52),
    "pink": (240, 130, 170), "rose": (230, 90, 130), "magenta": (210, 40, 160), "fuchsia": (220, 50, 180),
    "hot pink": (255, 80, 160), "blush": (222, 150, 160),
    "purple": (120, 50, 160), "violet": (140, 80, 200), "lavender": (180, 160, 220), "lilac": (200, 160, 210),
    "indigo": (70, 40, 130), "plum": (120, 60, 110), "mauve": (180, 130, 160), "amethyst": (150, 100, 200),
    "blue": (40, 80, 200), "navy": (25, 35, 90), "navy blue": (25, 35, 90), "azure": (40, 130, 230),
    "cobalt": (0, 70, 170), "sapphire": (20, 60, 160), "royal blue": (50, 80, 200), "sky blue": (120, 190, 235),
    "baby blue": (160, 205, 240), "ice blue": (175, 220, 240), "steel blue": (70, 130, 180),
    "cyan": (0, 190, 210), "teal": (0, 128, 128), "turquoise": (60, 200, 190), "aqua": (80, 220, 220),
    "denim": (60, 90, 140), "cerulean": (40, 120, 190),
    "green": (40, 150, 60), "emerald": (20, 150, 90), "olive": (110, 110, 40), "lime": (150, 210, 50),
    "mint": (150, 220, 180), "jade": (40, 160, 110), "sage": (150, 170, 130), "forest green": (30, 90, 40),
    "bottle green": (20, 80, 50), "moss": (100, 120, 50), "khaki": (190, 175, 120), "chartreuse": (180, 220, 30),
    "yellow": (240, 210, 40), "gold": (212, 175, 55), "golden": (212, 175, 55), "amber": (240, 160, 20),
    "mustard": (200, 160, 40), "lemon": (250, 240, 90), "honey": (220, 170, 80), "saffron": (244, 196, 48),
    "orange": (240, 130, 30), "coral": (250, 120, 90), "peach": (250, 190, 150), "salmon": (240, 130, 110),
    "tangerine": (245, 130, 20), "apricot": (250, 180, 120), "rust": (170, 70, 30), "copper": (185, 100, 50),
    "bronze": (170, 120, 50), "brass": (181, 166, 66), "terracotta": (200, 100, 70),
    "brown": (120, 75, 40), "tan": (200, 160, 110), "beige": (220, 205, 170), "chocolate": (90, 50, 25),
    "chestnut": (140, 70, 40), "auburn": (150, 60, 35), "mahogany": (110, 40, 30), "caramel": (190, 120, 60),
    "coffee": (110, 75, 50), "umber": (100, 70, 40), "sand": (210, 190, 140), "taupe": (140, 125, 110),
    "blonde": (235, 205, 120), "blond": (235, 205, 120), "platinum": (230, 225, 205),
    "strawberry blonde": (230, 160, 110), "ginger": (205, 95, 40), "brunette": (95, 60, 35),
    "raven": (25, 25, 30), "jet": (15, 15, 18), "ebony": (35, 30, 28),
}
#: on hair, "red" means the ginger people call red hair, not a pillar-box red
HAIR_WORDS: dict[str, RGB] = {
    "red": (175, 65, 30), "dark": (45, 32, 25), "light": (200, 170, 120), "white": (230, 230, 225),
}
#: words before a colour that shade it ("dark red", "pale blue", "neon green")
DARKEN = frozenset({"dark", "deep", "dusky", "midnight"})
LIGHTEN = frozenset({"light", "pale", "pastel", "soft", "faded"})
BRIGHTEN = frozenset({"bright", "vivid", "neon", "electric"})
SHADES = DARKEN | LIGHTEN | BRIGHTEN
#: colour words → the families they belong to (a word may sit in two: "dark" is black or brown)
_FAMILIES: Mapping[str, frozenset[str]] = {word: frozenset(families.split()) for word, families in {
    "red": "red", "crimson": "red", "scarlet": "red", "maroon": "red", "ginger": "red", "auburn": "red",
    "copper": "red", "cherry": "red", "ruby": "red", "burgundy": "red", "rust": "red orange", "vermilion": "red",
    "blue": "blue", "navy": "blue", "turquoise": "blue", "teal": "blue green", "azure": "blue", "cobalt": "blue",
    "indigo": "blue purple", "sapphire": "blue", "cyan": "blue", "sky": "blue",
    "green": "green", "emerald": "green", "olive": "green", "jade": "green", "lime": "green", "sage": "green",
    "khaki": "khaki", "black": "black", "jet": "black", "raven": "black", "ebony": "black", "inky": "black",
    "white": "white", "ivory": "white", "snow": "white", "cream": "white", "snowy": "white",
    "grey": "grey", "gray": "grey", "silver": "grey", "silvery": "grey", "ash": "grey", "charcoal": "grey black",
    "slate": "grey", "steel": "grey",
    "gold": "gold", "golden": "gold blonde", "brass": "gold", "blonde": "blonde", "blond": "blonde",
    "platinum": "blonde grey", "flaxen": "blonde", "fair": "blonde", "sandy": "blonde brown",
    "brown": "brown", "brunette": "brown", "chestnut": "brown", "hazel": "brown green", "beige": "brown",
    "tan": "brown", "chocolate": "brown", "tawny": "brown", "bronze": "brown gold", "mousy": "brown",
    "dark": "black brown", "purple": "purple", "violet": "purple", "lilac": "purple", "lavender": "purple",
    "mauve": "purple", "plum": "purple", "magenta": "pink purple", "pink": "pink", "rose": "pink",
    "salmon": "pink orange", "orange": "orange", "amber": "orange", "tangerine": "orange", "peach": "orange",
    "yellow": "yellow", "mustard": "yellow", "lemon": "yellow", "canary": "yellow", "saffron": "yellow",
}.items()}


def parse_color(text: str, *, hair: bool = False) -> RGB | None:
    """The colour a phrase names ("dark red", "sky blue", "long blonde"), or None if it names none."""
    words = re.findall(r"[a-z]+", str(text).lower())
    table = {**COLOR_WORDS, **HAIR_WORDS} if hair else COLOR_WORDS
    for i, word in enumerate(words):
        pair = f"{word} {words[i + 1]}" if i + 1 < len(words) else ""
        if pair in table:
            found, modifier = table[pair], words[i - 1] if i else ""
        elif word in table and not (hair and word in ("dark", "light") and i + 1 < len(words)
                                    and words[i + 1] in table):
            found, modifier = table[word], words[i - 1] if i else ""
        else:
            continue
        return modify(found, modifier)
    return None


def modify(color: RGB, modifier: str) -> RGB:
    """``color`` as ``modifier`` shades it: darker for "dark", lighter for "pale", stronger for "bright"."""
    if modifier in DARKEN:
        return tuple(round(c * 0.6) for c in color)
    if modifier in LIGHTEN:
        return tuple(round(c + (255 - c) * 0.45) for c in color)
    if modifier in BRIGHTEN:
        mean = sum(color) / 3
        return tuple(max(0, min(255, round(mean + (c - mean) * 1.3))) for c in color)
    return color


def hsv(h: float, s: float, v: float) -> RGB:
    """An RGB colour from hue, saturation and value, each 0..1."""
    return tuple(round(c * 255) for c in colorsys.hsv_to_rgb(h, s, v))


def families_of(word: str) -> frozenset[str]:
    """The colour families one word names: "crimson" → {red}, "dark" → {black, brown}, "coat" → none."""
    return _FAMILIES.get(word, frozenset())


def is_colour_word(word: str) -> bool:
    """Whether ``word`` (lower case) names a colour family."""
    return word in _FAMILIES
