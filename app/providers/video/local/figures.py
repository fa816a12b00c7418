"""People and props: a standing figure in its Bible colours, props as simple shapes."""
from __future__ import annotations

from typing import Any

from PIL import Image, ImageDraw

from app.media.colours import COLOR_WORDS, modify, parse_color
from app.providers.video.local.chance import stable_int
from app.providers.video.local.palette import HAIR_TONES, LEG_KEYS, signature_color, skin_tone
from app.providers.video.local.wording import attributes_of, has_any, words_of

#: who is drawn with long hair unless the Bible says otherwise (a ``hair: long …`` attribute always is)
LONG_HAIRED = ("woman", "women", "girl", "lady", "queen", "princess", "bride", "witch", "mother", "grandmother",
               "sister", "daughter", "aunt", "wife", "girlfriend", "waitress", "nun", "mermaid", "fairy")
#: garments drawn down to the ankles
LONG_GARMENTS = ("dress", "gown", "robe", "habit", "kimono", "sari")


def figure_sprite(character: dict[str, Any], height: int) -> Image.Image:
    """A standing figure, drawn at twice the size and scaled down for smooth edges."""
    attributes = attributes_of(character)
    key = str(character.get("id") or character.get("name") or "")
    body = signature_color(character)
    hair = parse_color(attributes.get("hair", ""), hair=True)
    hair = hair or HAIR_TONES[stable_int("hair", key) % len(HAIR_TONES)]
    skin = skin_tone(attributes.get("skin", ""), key)
    legs = next((c for k in LEG_KEYS if k in attributes and (c := parse_color(attributes[k]))), None)
    if legs is None:
        legs = COLOR_WORDS["denim"] if "jeans" in attributes else modify(body, "dark")
    hat = (parse_color(attributes["hat"]) or (40, 40, 44)) if "hat" in attributes else None
    words = words_of(character)
    long_hair = "long" in attributes.get("hair", "") or has_any(words, *LONG_HAIRED)
    long_coat = any(key in attributes for key in LONG_GARMENTS)

    s = 2
    H = height * s
    W = int(H * 0.56)
    image = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    cx = W / 2
    outline = (25, 22, 20, 255)
    line = max(2, H // 90)
    # legs
    leg_w = H * 0.075
    for side in (-1, 1):
        x = cx + side * H * 0.07
        draw.rectangle((x - leg_w / 2, H * 0.62, x + leg_w / 2, H * 0.97), fill=legs, outline=outline, width=line)
    # arms behind the coat
    arm = modify(body, "dark")
    for side in (-1, 1):
        draw.line((cx + side * H * 0.15, H * 0.28, cx + side * H * 0.21, H * 0.58), fill=arm, width=int(H * 0.06))
        hx, hy, hr = cx + side * H * 0.21, H * 0.6, H * 0.032
        draw.ellipse((hx - hr, hy - hr, hx + hr, hy + hr), fill=skin)
    # coat, down to the ankles for a dress, gown or robe
    hem = H * (0.86 if long_coat else 0.68)
    spread = H * (0.26 if long_coat else 0.22)
    draw.polygon(
        [(cx - H * 0.15, H * 0.25), (cx + H * 0.15, H * 0.25), (cx + spread, hem), (cx - spread, hem)],
        fill=body, outline=outline, width=line,
    )
    # head, hair, eyes
    hr = H * 0.105
    hy = H * 0.135
    if long_hair:  # falls behind the head to the shoulders
        draw.rounded_rectangle((cx - hr * 1.15, hy - hr * 0.9, cx + hr * 1.15, H * 0.31), radius=hr * 0.6, fill=hair)
    draw.ellipse((cx - hr * 1.08, hy - hr * 1.12, cx + hr * 1.08, hy + hr * 0.7), fill=hair)
    draw.ellipse((cx - hr, hy - hr * 0.85, cx + hr, hy + hr), fill=skin, outline=outline, width=line)
    draw.chord((cx - hr * 1.02, hy - hr * 1.1, cx + hr * 1.02, hy + hr * 0.6), 180, 360, fill=hair)
    er = H * 0.011
    for side in (-1, 1):
        ex = cx + side * hr * 0.38
        draw.ellipse((ex - er, hy + hr * 0.15 - er, ex + er, hy + hr * 0.15 + er), fill=(20, 20, 24))
    if hat is not None:
        draw.rectangle((cx - hr * 1.35, hy - hr * 0.78, cx + hr * 1.35, hy - hr * 0.6), fill=hat, outline=outline)
        draw.rectangle((cx - hr * 0.8, hy - hr * 1.6, cx + hr * 0.8, hy - hr * 0.7), fill=hat, outline=outline)
    return image.resize((W // s, H // s), Image.Resampling.LANCZOS)


def draw_prop(image: Image.Image, prop: dict[str, Any], x: int, y: int, size: int) -> None:
    """A prop as a simple shape chosen by what it is (ball, box, sword …) in its signature colour."""
    draw = ImageDraw.Draw(image)
    color = signature_color(prop)
    edge = modify(color, "dark")
    words = words_of(prop)
    r = size / 2
    if has_any(words, "umbrella", "parasol"):
        draw.pieslice((x - size, y - size * 1.9, x + size, y - size * 0.7), 180, 360, fill=color, outline=edge, width=2)
        draw.line((x, y - size * 1.3, x, y), fill=(40, 36, 34), width=max(2, size // 14))
    elif has_any(words, "balloon", "kite"):
        draw.line((x, y - size * 1.2, x, y), fill=(60, 60, 60), width=1)
        draw.ellipse((x - r * 0.8, y - size * 2.2, x + r * 0.8, y - size * 1.2), fill=color, outline=edge, width=2)
    elif has_any(words, "ball", "orb", "moon", "coin", "globe", "sphere", "apple", "egg", "pearl", "ring", "clock"):
        draw.ellipse((x - r, y - 2 * r, x + r, y), fill=color, outline=edge, width=2)
    elif has_any(words, "sword", "staff", "wand", "key", "spear", "knife", "blade", "stick", "cane", "torch"):
        draw.line((x - r * 0.6, y, x + r * 0.6, y - size * 1.4), fill=color, width=max(3, size // 8))
        draw.line((x - r * 0.5, y - size * 0.25, x + r * 0.1, y - size * 0.05), fill=edge, width=max(3, size // 10))
    elif has_any(words, "box", "chest", "crate", "book", "letter", "map", "suitcase", "bag", "case", "phone"):
        draw.rectangle((x - r * 1.2, y - size * 0.9, x + r * 1.2, y), fill=color, outline=edge, width=2)
        draw.line((x - r * 1.2, y - size * 0.55, x + r * 1.2, y - size * 0.55), fill=edge, width=2)
    elif has_any(words, "lamp", "lantern", "candle", "bottle", "cup", "vase", "potion"):
        draw.rectangle((x - r * 0.5, y - size * 1.1, x + r * 0.5, y), fill=color, outline=edge, width=2)
        draw.ellipse((x - r * 0.35, y - size * 1.35, x + r * 0.35, y - size * 1.05), fill=(255, 230, 150))
    elif has_any(words, "car", "cart", "bike", "bicycle", "boat", "wagon"):
        draw.rectangle((x - size, y - size * 0.7, x + size, y - size * 0.2), fill=color, outline=edge, width=2)
        for wx in (x - size * 0.6, x + size * 0.6):
            draw.ellipse((wx - r * 0.45, y - r * 0.9, wx + r * 0.45, y), fill=(30, 30, 30))
    else:
        draw.polygon([(x, y - size * 1.2), (x + r, y - size * 0.6), (x, y), (x - r, y - size * 0.6)],
                     fill=color, outline=edge)


def height_factor(character: dict[str, Any]) -> float:
    words = words_of(character)
    if has_any(words, "giant", "huge"):
        return 1.25
    if has_any(words, "tall"):
        return 1.1
    if has_any(words, "child", "children", "kid", "small", "short", "little", "girl", "boy"):
        return 0.75
    return 1.0
