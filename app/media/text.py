"""Words drawn on pictures: fonts, line wrapping and fitting, and the small figures shown in progress text."""
from __future__ import annotations

from functools import cache

from PIL import ImageDraw, ImageFont

RGB = tuple[int, int, int]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def builtin_font(size: int) -> Font:
    """Pillow's built-in font at ``size`` (the small bitmap font when Pillow has no FreeType)."""
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError, OSError):
        return ImageFont.load_default()


@cache
def font(size: int, bold: bool = False) -> Font:
    """DejaVu Sans when the system has it, else Pillow's built-in font at ``size``."""
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf", size)
    except OSError:
        return builtin_font(size)


def wrap(text: str, font: Font, max_width: float) -> list[str]:
    """``text`` broken into lines no wider than ``max_width`` at spaces; a word wider than that
    gets a line of its own. No words, no lines."""
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(candidate) <= max_width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def truncate(text: str, font: Font, max_width: float) -> str:
    """``text`` itself when it fits ``max_width``, else cut short and ended with "…"."""
    if font.getlength(text) <= max_width:
        return text
    while text and font.getlength(text + "…") > max_width:
        text = text[:-1]
    return text.rstrip() + "…"


def line_height(font: Font) -> int:
    return font.getbbox("Ag")[3]


def centered_text(draw: ImageDraw.ImageDraw, text: str, font: Font, y: float, width: int, fill: RGB,
                  shadow: int = 0) -> None:
    """Draw ``text`` centred across ``width`` at ``y``, over a black drop shadow ``shadow`` pixels off."""
    x = (width - font.getlength(text)) / 2
    if shadow:
        draw.text((x + shadow, y + shadow), text, font=font, fill=(0, 0, 0))
    draw.text((x, y), text, font=font, fill=fill)


def smoothstep(x: float) -> float:
    """0 → 0, 1 → 1, eased at both ends: how titles, captions and cameras fade and move."""
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


def seconds(value: float) -> str:
    """A duration as progress text shows it: "3", "2.5"."""
    return f"{value:g}" if value == int(value) else f"{value:.1f}"
