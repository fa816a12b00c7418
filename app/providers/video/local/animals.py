"""Animals in side view: fox, cat, raccoon, dog, horse, bird and fish, each a silhouette in its own colours.

Shapes are laid out in a unit box (x to the right, y down, the animal facing
right), drawn at twice the size and scaled down for smooth edges.
"""
from __future__ import annotations

from collections.abc import Callable

from PIL import Image, ImageDraw, ImageOps

from app.media.colours import RGB, modify

#: each kind's usual coat, when the prompt names none
COATS: dict[str, RGB] = {
    "fox": (214, 104, 30), "cat": (118, 118, 124), "raccoon": (112, 110, 112), "dog": (140, 94, 52),
    "horse": (122, 78, 44), "bird": (48, 48, 56), "fish": (240, 128, 30),
}
#: width over height of each kind's box
ASPECT = {"fox": 1.7, "cat": 1.4, "raccoon": 1.4, "dog": 1.5, "horse": 1.25, "bird": 1.6, "fish": 1.8}
#: height as a share of a standing person's
SIZE = {"fox": 0.5, "cat": 0.32, "raccoon": 0.34, "dog": 0.48, "horse": 0.95, "bird": 0.16, "fish": 0.16}
#: kinds that fly, drawn in the sky instead of on the ground
FLYING = {"bird"}

_OUTLINE = (28, 22, 18, 255)
_WHITE = (240, 236, 228)
_DARK = (36, 28, 24)


def animal_sprite(kind: str, coat: RGB | None, height: int, *, facing_left: bool = False) -> Image.Image:
    """An RGBA sprite of ``kind`` (a key of :data:`COATS`) ``height`` pixels tall in ``coat``."""
    coat = coat or COATS[kind]
    s = 2
    H = max(8, height) * s
    W = int(H * ASPECT[kind])
    image = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    line = max(2, H // 60)

    def at(*points: float) -> list[tuple[float, float]]:
        return [(points[i] * W, points[i + 1] * H) for i in range(0, len(points), 2)]

    _DRAWINGS[kind](draw, at, coat, line)
    image = image.resize((W // s, H // s), Image.Resampling.LANCZOS)
    return ImageOps.mirror(image) if facing_left else image


Points = Callable[..., list[tuple[float, float]]]


def _legs(draw: ImageDraw.ImageDraw, at: Points, xs: tuple[float, ...], top: float, width: float,
          fill: RGB, line: int) -> None:
    for x in xs:
        draw.rectangle(at(x - width / 2, top, x + width / 2, 0.99), fill=fill, outline=_OUTLINE, width=line)


def _fox(draw, at, coat, line):
    shade = modify(coat, "dark")
    draw.polygon(at(0.34, 0.42, 0.16, 0.3, 0.04, 0.36, 0.02, 0.5, 0.14, 0.58, 0.34, 0.56),
                 fill=coat, outline=_OUTLINE, width=line)
    draw.ellipse(at(0.0, 0.36, 0.1, 0.54), fill=_WHITE)
    _legs(draw, at, (0.34, 0.42, 0.6, 0.68), 0.58, 0.05, _DARK, line)
    draw.ellipse(at(0.26, 0.36, 0.76, 0.68), fill=coat, outline=_OUTLINE, width=line)
    draw.polygon(at(0.7, 0.2, 0.73, 0.0, 0.79, 0.2), fill=shade, outline=_OUTLINE, width=line)
    draw.polygon(at(0.78, 0.2, 0.83, 0.0, 0.87, 0.22), fill=shade, outline=_OUTLINE, width=line)
    draw.ellipse(at(0.67, 0.15, 0.89, 0.45), fill=coat, outline=_OUTLINE, width=line)
    draw.polygon(at(0.84, 0.26, 1.0, 0.36, 0.84, 0.44), fill=coat, outline=_OUTLINE, width=line)
    draw.ellipse(at(0.7, 0.38, 0.8, 0.62), fill=_WHITE)
    draw.ellipse(at(0.97, 0.33, 1.0, 0.39), fill=_DARK)
    draw.ellipse(at(0.8, 0.25, 0.83, 0.3), fill=_DARK)


def _cat(draw, at, coat, line, *, masked: bool = False):
    shade = modify(coat, "dark")
    tail = at(0.22, 0.5, 0.1, 0.44, 0.05, 0.26, 0.1, 0.06)
    draw.line(tail, fill=_OUTLINE, width=int(line * 5), joint="curve")
    draw.line(tail, fill=coat, width=int(line * 3.4), joint="curve")
    if masked:  # a raccoon's ringed tail
        for x, y in tail[1:]:
            draw.ellipse((x - line * 2, y - line * 2, x + line * 2, y + line * 2), fill=_DARK)
    _legs(draw, at, (0.28, 0.36, 0.58, 0.66), 0.6, 0.05, coat, line)
    draw.ellipse(at(0.18, 0.38, 0.74, 0.72), fill=coat, outline=_OUTLINE, width=line)
    draw.polygon(at(0.63, 0.22, 0.64, 0.02, 0.73, 0.16), fill=shade, outline=_OUTLINE, width=line)
    draw.polygon(at(0.78, 0.16, 0.87, 0.02, 0.88, 0.24), fill=shade, outline=_OUTLINE, width=line)
    draw.ellipse(at(0.6, 0.1, 0.9, 0.46), fill=coat, outline=_OUTLINE, width=line)
    if masked:
        draw.rectangle(at(0.62, 0.22, 0.9, 0.32), fill=_DARK)
        draw.ellipse(at(0.82, 0.34, 0.92, 0.44), fill=_WHITE)
    for x in (0.7, 0.8):
        draw.ellipse(at(x, 0.24, x + 0.04, 0.3), fill=(200, 210, 60) if not masked else _WHITE)


def _raccoon(draw, at, coat, line):
    _cat(draw, at, coat, line, masked=True)


def _dog(draw, at, coat, line):
    shade = modify(coat, "dark")
    draw.line(at(0.24, 0.46, 0.14, 0.3, 0.1, 0.16), fill=coat, width=int(line * 3), joint="curve")
    _legs(draw, at, (0.3, 0.38, 0.62, 0.7), 0.56, 0.065, coat, line)
    draw.ellipse(at(0.2, 0.34, 0.76, 0.68), fill=coat, outline=_OUTLINE, width=line)
    draw.ellipse(at(0.64, 0.1, 0.88, 0.44), fill=coat, outline=_OUTLINE, width=line)
    draw.rounded_rectangle(at(0.8, 0.24, 1.0, 0.4), radius=line * 2, fill=coat, outline=_OUTLINE, width=line)
    draw.ellipse(at(0.95, 0.24, 1.0, 0.31), fill=_DARK)
    draw.ellipse(at(0.66, 0.12, 0.76, 0.42), fill=shade, outline=_OUTLINE, width=line)
    draw.ellipse(at(0.8, 0.18, 0.83, 0.24), fill=_DARK)


def _horse(draw, at, coat, line):
    shade = modify(coat, "dark")
    draw.line(at(0.16, 0.4, 0.08, 0.55, 0.06, 0.74), fill=shade, width=int(line * 4), joint="curve")
    _legs(draw, at, (0.22, 0.3, 0.6, 0.68), 0.5, 0.055, coat, line)
    for x in (0.22, 0.3, 0.6, 0.68):
        draw.rectangle(at(x - 0.03, 0.94, x + 0.03, 0.99), fill=_DARK)
    draw.ellipse(at(0.14, 0.32, 0.76, 0.62), fill=coat, outline=_OUTLINE, width=line)
    draw.polygon(at(0.6, 0.42, 0.7, 0.1, 0.82, 0.1, 0.76, 0.46), fill=coat, outline=_OUTLINE, width=line)
    draw.polygon(at(0.7, 0.08, 0.82, 0.02, 1.0, 0.2, 0.97, 0.3, 0.86, 0.26, 0.76, 0.2),
                 fill=coat, outline=_OUTLINE, width=line)
    draw.line(at(0.7, 0.06, 0.66, 0.22, 0.62, 0.4), fill=shade, width=int(line * 3), joint="curve")
    draw.polygon(at(0.74, 0.06, 0.76, -0.04, 0.8, 0.05), fill=coat, outline=_OUTLINE, width=line)
    draw.ellipse(at(0.84, 0.1, 0.87, 0.15), fill=_DARK)


def _bird(draw, at, coat, line):
    shade = modify(coat, "dark")
    draw.polygon(at(0.3, 0.5, 0.04, 0.4, 0.06, 0.66), fill=shade, outline=_OUTLINE, width=line)
    draw.ellipse(at(0.24, 0.38, 0.76, 0.68), fill=coat, outline=_OUTLINE, width=line)
    draw.polygon(at(0.34, 0.46, 0.6, 0.46, 0.3, 0.0), fill=shade, outline=_OUTLINE, width=line)
    draw.ellipse(at(0.66, 0.26, 0.86, 0.54), fill=coat, outline=_OUTLINE, width=line)
    draw.polygon(at(0.84, 0.36, 1.0, 0.42, 0.84, 0.48), fill=(236, 170, 40), outline=_OUTLINE, width=line)
    draw.ellipse(at(0.77, 0.33, 0.8, 0.39), fill=_WHITE)


def _fish(draw, at, coat, line):
    shade = modify(coat, "dark")
    draw.polygon(at(0.28, 0.5, 0.0, 0.14, 0.0, 0.86), fill=shade, outline=_OUTLINE, width=line)
    draw.polygon(at(0.45, 0.24, 0.55, 0.0, 0.66, 0.24), fill=shade, outline=_OUTLINE, width=line)
    draw.ellipse(at(0.18, 0.18, 0.96, 0.82), fill=coat, outline=_OUTLINE, width=line)
    draw.ellipse(at(0.76, 0.34, 0.84, 0.48), fill=_WHITE)
    draw.ellipse(at(0.785, 0.37, 0.82, 0.45), fill=_DARK)


_DRAWINGS = {"fox": _fox, "cat": _cat, "raccoon": _raccoon, "dog": _dog, "horse": _horse, "bird": _bird,
             "fish": _fish}
