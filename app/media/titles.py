"""What the director's cut draws itself: the title card, each segment's lower-third and the closing credits."""
from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw

from app.media.text import RGB, centered_text, font, line_height, smoothstep, truncate, wrap

if TYPE_CHECKING:
    from app.media.directors_cut import CutPlan

#: how long a segment's lower-third stays up, and how long it takes to fade in or out
LOWER_THIRD_SECONDS = 2.5
LOWER_THIRD_FADE = 0.3

#: (top-left, bottom-right, accent) for the title and credits backgrounds; a scene always gets the same one
PALETTES: tuple[tuple[RGB, RGB, RGB], ...] = (
    ((16, 20, 52), (78, 30, 90), (255, 196, 92)),      # midnight to plum, gold
    ((6, 42, 58), (22, 22, 64), (120, 222, 210)),      # deep teal to navy, aqua
    ((44, 12, 32), (118, 44, 30), (255, 176, 112)),    # wine to ember, peach
    ((10, 38, 32), (34, 30, 72), (186, 232, 140)),     # pine to indigo, lime
)


def palette_of(plan: CutPlan) -> tuple[RGB, RGB, RGB]:
    """The colours of ``plan``'s cards, chosen by its title and topic."""
    return PALETTES[zlib.crc32(f"{plan.title}\n{plan.topic}".encode()) % len(PALETTES)]


def _background(width: int, height: int, palette: tuple[RGB, RGB, RGB], dim: float = 1.0) -> Image.Image:
    """A diagonal gradient with a soft glow of the accent colour behind the centre and darker edges."""
    start, end, accent = (np.array(color, np.float32) for color in palette)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    ramp = (0.65 * xs / width + 0.35 * ys / height)[..., None]
    pixels = start * (1 - ramp) + end * ramp
    distance = np.hypot((xs - width * 0.5) / width, (ys - height * 0.45) / height)[..., None]
    pixels += accent * 0.16 * np.exp(-(distance / 0.28) ** 2)
    pixels *= (1 - 0.55 * np.clip(distance - 0.25, 0, None))  # vignette
    return Image.fromarray(np.clip(pixels * dim, 0, 255).astype(np.uint8))


def title_card(plan: CutPlan, palette: tuple[RGB, RGB, RGB]) -> np.ndarray:
    width, height = plan.width, plan.height
    image = _background(width, height, palette)
    draw = ImageDraw.Draw(image)
    title_font = _fitting_font(plan.title or "Untitled scene", width * 0.84, round(height / 8.5), bold=True)
    title_lines = _wrap(plan.title or "Untitled scene", title_font, width * 0.84, max_lines=2)
    topic_font = font(max(10, round(height / 22)))
    topic = truncate(plan.topic.upper(), topic_font, width * 0.8)
    title_step = round(line_height(title_font) * 1.1)
    rule_gap = round(height / 28)
    block = title_step * len(title_lines) + 2 * rule_gap + (line_height(topic_font) if topic else 0)
    y = (height - block) / 2
    for line in title_lines:
        centered_text(draw, line, title_font, y, width, (255, 255, 255), shadow=max(1, height // 180))
        y += title_step
    y += rule_gap * 0.6
    rule = width * 0.09
    draw.rectangle((width / 2 - rule, y, width / 2 + rule, y + max(2, height // 180)), fill=palette[2])
    y += rule_gap * 1.4
    if topic:
        centered_text(draw, topic, topic_font, y, width, _mix(palette[2], (255, 255, 255), 0.5))
    return np.asarray(image)


def credits_card(plan: CutPlan, palette: tuple[RGB, RGB, RGB]) -> np.ndarray:
    width, height = plan.width, plan.height
    image = _background(width, height, palette, dim=0.8)
    draw = ImageDraw.Draw(image)
    heading_font = font(max(10, round(height / 24)), bold=True)
    name_font = font(max(12, round(height / 17)))
    sections = [
        ("WRITTEN BY", list(plan.contributors)),
        ("STARRING", [_character_name(character) for character in plan.characters]),
    ]
    sections = [(heading, names) for heading, names in sections if any(names)]
    if not sections:
        sections = [("A STORYFORGE SCENE", [plan.title or "Untitled scene"])]
    lines_each = 3 if len(sections) > 1 else 6
    laid_out = [(heading, _wrap_names(names, name_font, width * 0.84, lines_each)) for heading, names in sections]
    heading_step = round(line_height(heading_font) * 1.6)
    name_step = round(line_height(name_font) * 1.35)
    gap = round(height / 10)
    block = sum(heading_step + name_step * len(lines) for _, lines in laid_out) + gap * (len(laid_out) - 1)
    y = (height - block) / 2
    for heading, lines in laid_out:
        centered_text(draw, heading, heading_font, y, width, palette[2])
        y += heading_step
        for line in lines:
            centered_text(draw, line, name_font, y, width, (255, 255, 255), shadow=1)
            y += name_step
        y += gap
    return np.asarray(image)


def with_lower_third(clip, number: int, author: str, palette: tuple[RGB, RGB, RGB], fade: float):
    """``clip`` with "Segment N · written by AUTHOR" on a translucent band in its lower third,
    sliding and fading in at the start and gone before the clip dissolves into the next."""
    width, height = clip.size
    band = _lower_third_band(number, author, palette, width, height)
    colour = band[..., :3].astype(np.float32)
    alpha = band[..., 3:].astype(np.float32) / 255
    band_height, band_width = band.shape[:2]
    left = round(width * 0.05)
    bottom = round(height * 0.84)
    top = bottom - band_height
    shown = max(0.0, min(LOWER_THIRD_SECONDS, clip.duration - fade))
    ramp = min(LOWER_THIRD_FADE, shown / 2)

    def overlay(get_frame, t):
        frame = get_frame(t)
        if ramp <= 0 or not 0 <= t < shown:
            return frame
        opacity = smoothstep(min(t, shown - t) / ramp)
        x = left - round((1 - opacity) * width * 0.03)
        right = min(width, x + band_width)
        out = frame.copy()  # the reader hands out its own buffer: never draw on it
        region = out[top:bottom, x:right].astype(np.float32)
        weight = alpha[:, : right - x] * opacity
        out[top:bottom, x:right] = (region * (1 - weight) + colour[:, : right - x] * weight).astype(np.uint8)
        return out

    return clip.transform(overlay)


def _lower_third_band(number: int, author: str, palette: tuple[RGB, RGB, RGB], width: int, height: int) -> np.ndarray:
    label_font = font(max(10, round(height / 24)), bold=True)
    text_font = font(max(10, round(height / 24)))
    label = f"Segment {number}"
    byline = truncate(f" · written by {author}", text_font, width * 0.6) if author.strip() else ""
    pad_x, pad_y = round(height / 30), round(height / 55)
    accent_bar = max(3, height // 110)
    text_width = label_font.getlength(label) + (text_font.getlength(byline) if byline else 0)
    band_width = min(round(width * 0.9), round(accent_bar + 2 * pad_x + text_width))
    band_height = line_height(label_font) + 2 * pad_y
    band = Image.new("RGBA", (band_width, band_height), (10, 12, 22, 165))
    draw = ImageDraw.Draw(band)
    draw.rectangle((0, 0, accent_bar - 1, band_height), fill=(*palette[2], 255))
    x = accent_bar + pad_x
    draw.text((x, pad_y), label, font=label_font, fill=(*palette[2], 255))
    if byline:
        draw.text((x + label_font.getlength(label), pad_y), byline, font=text_font, fill=(255, 255, 255, 255))
    return np.asarray(band)


def _wrap_names(names: Sequence[str], font, max_width: float, max_lines: int) -> list[str]:
    """Names joined with " · " over at most ``max_lines`` lines; the ones that do not fit become "and N more"."""
    names = [name.strip() for name in names if name.strip()]
    for shown in range(len(names), 0, -1):
        items = names[:shown] + ([f"and {len(names) - shown} more"] if shown < len(names) else [])
        lines: list[str] = []
        for item in items:
            candidate = f"{lines[-1]}  ·  {item}" if lines else item
            if lines and font.getlength(candidate) <= max_width:
                lines[-1] = candidate
            else:
                lines.append(truncate(item, font, max_width))
        if len(lines) <= max_lines:
            return lines
    return [f"{len(names)} people"]


def _character_name(character: str) -> str:
    """ "C1 Mara" → "Mara": the credits name characters, not their Bible ids."""
    head, _, rest = character.strip().partition(" ")
    if rest and head[:1] == "C" and head[1:].isdigit():
        return rest.strip()
    return character.strip()


def _mix(a: RGB, b: RGB, share: float) -> RGB:
    return tuple(round(x * (1 - share) + y * share) for x, y in zip(a, b, strict=True))


def _fitting_font(text: str, max_width: float, size: int, *, bold: bool):
    """The largest font up to ``size`` that fits ``text`` on two lines of ``max_width``."""
    while size > 14:
        found = font(size, bold)
        if found.getlength(text) <= 2 * max_width * 0.9:
            return found
        size -= 2
    return font(size, bold)


def _wrap(text: str, font, max_width: float, *, max_lines: int) -> list[str]:
    """``text`` on at most ``max_lines`` lines, the last one cut short with "…" when the rest does not fit."""
    lines = wrap(text, font, max_width)
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [" ".join(lines[max_lines - 1:])]
    return [truncate(line, font, max_width) for line in lines] or [""]
