"""What is laid over the drawn picture: the caption band, the style's colour grade, the parent's last frame."""
from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

from app.media.text import builtin_font, wrap
from app.providers.errors import PermanentProviderError
from app.providers.video.base import RenderRequest
from app.providers.video.local.wording import words_of

CAPTION_MAX_LINES = 2
_STYLE_GRADES = {
    "noir": "mono", "monochrome": "mono", "grayscale": "mono", "greyscale": "mono", "black and white": "mono",
    "sepia": "sepia", "vintage": "sepia", "old": "sepia", "western": "sepia",
    "warm": "warm", "golden": "warm", "cozy": "warm",
    "cool": "cool", "cold": "cool", "icy": "cool", "cyberpunk": "cool",
    "vivid": "vivid", "saturated": "vivid", "vibrant": "vivid", "cartoon": "vivid", "comic": "vivid",
    "pastel": "pastel", "soft": "pastel", "dreamy": "pastel", "watercolor": "pastel", "watercolour": "pastel",
}


def caption_text(request: RenderRequest) -> str:
    action = (request.bible or {}).get("action")
    return " ".join(str(action or request.prompt or "").split())


def caption_band(text: str, width: int, height: int) -> Image.Image | None:
    """The caption as an RGBA band: white text wrapped to the frame on a translucent dark strip."""
    if not text:
        return None
    font = builtin_font(max(12, height // 20))
    margin = max(8, width // 32)
    lines = _caption_lines(text, font, width - 2 * margin)
    line_height = round(font.getbbox("Ag")[3] * 1.25)
    pad = max(6, height // 45)
    band = Image.new("RGBA", (width, pad * 2 + line_height * len(lines)), (0, 0, 0, 165))
    draw = ImageDraw.Draw(band)
    shadow = max(1, height // 300)
    for number, line in enumerate(lines):
        x = (width - font.getlength(line)) / 2
        y = pad + number * line_height
        draw.text((x + shadow, y + shadow), line, font=font, fill=(0, 0, 0, 255))
        draw.text((x, y), line, font=font, fill=(255, 255, 255, 255))
    return band


def _caption_lines(text: str, font: Any, max_width: float) -> list[str]:
    """The caption wrapped to the frame; past :data:`CAPTION_MAX_LINES` the last line ends in "…"."""
    lines = wrap(text, font, max_width)
    if len(lines) > CAPTION_MAX_LINES:
        words = " ".join(lines[CAPTION_MAX_LINES - 1:]).split()
        while len(words) > 1 and font.getlength(" ".join(words) + " …") > max_width:
            words.pop()
        lines = lines[: CAPTION_MAX_LINES - 1] + [" ".join(words) + " …"]
    return lines


def style_grade(style: dict[str, Any] | None) -> str | None:
    if not style:
        return None
    words = words_of(style)
    for phrase, grade in _STYLE_GRADES.items():
        if re.search(rf"\b{phrase}\b", words):
            return grade
    return None


def apply_grade(pixels: np.ndarray, grade: str | None) -> np.ndarray:
    """Colour-grade an RGB (or RGBA) array for the scene's style; alpha is left alone."""
    if grade is None:
        return pixels
    rgb = pixels[..., :3].astype(np.float32)
    luma = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    if grade == "mono":
        rgb = np.repeat(luma[..., None], 3, axis=-1)
    elif grade == "sepia":
        rgb = luma[..., None] * np.array([1.07, 0.92, 0.72], dtype=np.float32) + 10
    elif grade == "warm":
        rgb = rgb * np.array([1.08, 1.0, 0.86], dtype=np.float32)
    elif grade == "cool":
        rgb = rgb * np.array([0.88, 0.98, 1.1], dtype=np.float32)
    elif grade == "vivid":
        rgb = luma[..., None] + (rgb - luma[..., None]) * 1.35
    elif grade == "pastel":
        rgb = (luma[..., None] + (rgb - luma[..., None]) * 0.6) * 0.75 + 255 * 0.25
    out = pixels.copy()
    out[..., :3] = np.clip(rgb, 0, 255).astype(np.uint8)
    return out


def load_first_frame(data: bytes | None, width: int, height: int) -> Image.Image | None:
    if data is None:
        return None
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise PermanentProviderError(
            "the reference frame for this continuation is not a readable image", code="bad_first_frame"
        ) from exc
    return ImageOps.fit(image.convert("RGB"), (width, height), Image.Resampling.BILINEAR)
