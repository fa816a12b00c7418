"""The world behind the figures: sky, ground and scenery for the location, its time of day and weather."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from app.media.colours import RGB, parse_color
from app.providers.video.local.chance import seeded_random, stable_int
from app.providers.video.local.palette import TINT_KEYS, hashed_color, signature_color
from app.providers.video.local.shot import Shot
from app.providers.video.local.shot_words import SETTING_WORDS, TIME_WORDS, WEATHER_WORDS
from app.providers.video.local.wording import attributes_of, first_word, words_of

#: where the ground meets the sky, and where figures stand, as fractions of the world's height
HORIZON = 0.55
FEET = 0.74

SKIES: dict[str, tuple[RGB, RGB]] = {
    "day": ((96, 156, 222), (196, 222, 243)),
    "morning": ((130, 170, 225), (245, 215, 180)),
    "dawn": ((90, 100, 170), (250, 180, 150)),
    "dusk": ((55, 45, 105), (245, 135, 85)),
    "night": ((6, 10, 30), (28, 38, 78)),
}
#: a grey sky for rain and snow, mixed with the time of day's sky
OVERCAST: tuple[RGB, RGB] = ((118, 124, 134), (168, 172, 178))
#: the light on the world at each time of day, as RGB multipliers: night is dark and blue, dusk warm
LIGHT: dict[str, tuple[float, float, float]] = {
    "day": (1.0, 1.0, 1.0),
    "morning": (1.0, 0.96, 0.9),
    "dawn": (0.78, 0.68, 0.7),
    "dusk": (0.76, 0.6, 0.58),
    "night": (0.34, 0.38, 0.52),
}


class Weather:
    """Rain streaks or snowflakes falling over the frame."""

    def __init__(self, kind: str | None, seed: int, width: int, height: int):
        self.kind, self.width, self.height = kind, width, height
        rng = seeded_random(seed, "weather")
        count = 140 if kind == "rain" else 90
        self.drops = [(rng.random() * width, rng.random() * height, rng.uniform(0.7, 1.3)) for _ in range(count)]

    def draw(self, frame: Image.Image, t: float) -> None:
        if self.kind not in ("rain", "snow"):
            return
        draw = ImageDraw.Draw(frame)
        scale = self.height / 360
        for x, y, speed in self.drops:
            if self.kind == "rain":
                yy = (y + t * 520 * scale * speed) % self.height
                xx = (x - (yy - y) * 0.15) % self.width
                draw.line((xx, yy, xx - 3 * scale, yy + 14 * scale), fill=(190, 200, 220), width=max(1, round(scale)))
            else:
                yy = (y + t * 45 * scale * speed) % self.height
                xx = (x + math.sin(t * 1.5 + y) * 8 * scale) % self.width
                r = 1.6 * scale * speed
                draw.ellipse((xx - r, yy - r, xx + r, yy + r), fill=(245, 245, 250))


class Location:
    """Sky, ground and scenery of the location. The shot's own words (``shot``) decide the time of day,
    weather and setting first; then the Bible's location, by its attributes, its name, or its hash."""

    def __init__(self, entity: dict[str, Any] | None, seed: int, shot: Shot | None = None):
        shot = shot or Shot()
        attributes = attributes_of(entity) if entity else {}
        words = words_of(entity) if entity else ""
        key = str((entity or {}).get("id") or (entity or {}).get("name") or f"seed:{seed}")
        self.key = key
        time_text = attributes.get("time") or attributes.get("time_of_day") or words
        self.time = shot.time or first_word(time_text, TIME_WORDS) or first_word(words, TIME_WORDS) or (
            ["day", "dusk", "night", "dawn", "morning"][stable_int("time", key) % 5]
        )
        kind_text = attributes.get("type") or attributes.get("setting") or words
        self.kind = shot.setting or first_word(kind_text, SETTING_WORDS) or first_word(words, SETTING_WORDS) or "plain"
        self.weather = shot.weather or first_word(attributes.get("weather", "") or words, WEATHER_WORDS)
        named = any(name in attributes and parse_color(attributes[name]) for name in TINT_KEYS)
        self.tint = signature_color(entity) if entity else hashed_color(key)
        self.tint_strength = 0.24 if named else 0.14

    @property
    def light(self) -> np.ndarray:
        """The RGB multipliers for everything the sky lights: indoors, lamps halve the difference."""
        light = np.array(LIGHT[self.time], dtype=np.float32)
        if self.kind == "space":
            return np.ones(3, dtype=np.float32)
        return (light + 1) / 2 if self.kind == "interior" else light

    def draw(self, w: int, h: int) -> np.ndarray:
        rng = seeded_random(self.key, "scenery")
        night = self.time == "night"
        cloudy = self.weather in ("rain", "snow") and self.kind != "space"
        top, bottom = SKIES["night" if self.kind == "space" else self.time]
        if cloudy:
            top, bottom = (_mix(OVERCAST[0], top, 0.7, LIGHT[self.time]), _mix(OVERCAST[1], bottom, 0.7, LIGHT[self.time]))
        horizon = int(h * HORIZON)
        pixels = np.empty((h, w, 3), dtype=np.uint8)
        pixels[:horizon] = gradient(top, bottom, horizon)[:, None, :]
        pixels[horizon:] = bottom
        sky = Image.fromarray(pixels)
        draw = ImageDraw.Draw(sky)
        if (night and not cloudy) or self.kind == "space":
            for _ in range(int(w * h / 2500)):
                x, y = rng.random() * w, rng.random() * horizon * 0.95
                shade = rng.randint(150, 255)
                draw.point((x, y), fill=(shade, shade, min(255, shade + 20)))
            mx, my, r = w * rng.uniform(0.15, 0.85), h * rng.uniform(0.08, 0.2), h * 0.05
            draw.ellipse((mx - r, my - r, mx + r, my + r), fill=(236, 236, 220))
        elif not cloudy and self.time in ("dusk", "dawn"):
            sx, r = w * rng.uniform(0.2, 0.8), h * 0.08
            draw.ellipse((sx - r, horizon - r * 1.2, sx + r, horizon + r * 0.8), fill=(255, 200, 120))
        elif not cloudy:
            sx, sy, r = w * rng.uniform(0.1, 0.9), h * rng.uniform(0.08, 0.18), h * 0.055
            draw.ellipse((sx - r, sy - r, sx + r, sy + r), fill=(255, 244, 200))
        scenery = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        glow = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        SCENERY[self.kind](ImageDraw.Draw(scenery), ImageDraw.Draw(glow), rng, w, h, horizon, night)
        land = np.asarray(scenery).astype(np.float32)
        if self.weather == "snow" and self.kind not in ("interior", "space"):
            land[horizon:, :, :3] = land[horizon:, :, :3] * 0.35 + np.float32(238) * 0.65
        land[..., :3] *= self.light
        if self.weather == "rain":
            land[..., :3] *= 0.82
        cover = land[..., 3:] / 255
        world = np.asarray(sky).astype(np.float32) * (1 - cover) + land[..., :3] * cover
        lights = np.asarray(glow).astype(np.float32)
        shine = lights[..., 3:] / 255
        world = world * (1 - shine) + lights[..., :3] * shine
        if self.weather == "fog":
            haze = np.array([200, 205, 210], dtype=np.float32) * self.light
            world = world * 0.65 + haze * 0.35
        world = world * (1 - self.tint_strength) + np.array(self.tint, dtype=np.float32) * self.tint_strength
        return np.clip(world, 0, 255).astype(np.uint8)


def _mix(cloud: RGB, sky: RGB, share: float, light: tuple[float, float, float]) -> RGB:
    """The overcast colour ``cloud`` lit by ``light``, with ``1 - share`` of the time of day's sky."""
    return tuple(round(c * share * lit + s * (1 - share)) for c, s, lit in zip(cloud, sky, light, strict=True))


def _scenery_plain(draw, glow, rng, w, h, horizon, night):
    for _ in range(3):
        cx, rx, ry = rng.uniform(0, w), rng.uniform(0.25, 0.5) * w, rng.uniform(0.06, 0.12) * h
        draw.ellipse((cx - rx, horizon - ry, cx + rx, horizon + ry), fill=(80, 130, 70))
    draw.rectangle((0, horizon, w, h), fill=(96, 152, 72))
    for _ in range(5):
        x, y, r = rng.uniform(0, w), rng.uniform(horizon + 0.05 * h, h * 0.72), rng.uniform(0.02, 0.04) * h
        draw.ellipse((x - r * 1.6, y - r, x + r * 1.6, y + r), fill=(60, 115, 50))


def _scenery_forest(draw, glow, rng, w, h, horizon, night):
    draw.rectangle((0, horizon, w, h), fill=(62, 98, 46))
    for layer, shade in ((0, (40, 80, 45)), (1, (30, 66, 36))):
        for _ in range(9 + layer * 3):
            x = rng.uniform(0, w)
            base = horizon + rng.uniform(0.0, 0.08) * h + layer * 0.05 * h
            trunk_h, r = rng.uniform(0.12, 0.2) * h, rng.uniform(0.06, 0.1) * h
            draw.rectangle((x - r * 0.15, base - trunk_h, x + r * 0.15, base), fill=(85, 58, 35))
            draw.ellipse((x - r, base - trunk_h - r * 1.3, x + r, base - trunk_h + r * 0.7), fill=shade)


def _scenery_city(draw, glow, rng, w, h, horizon, night):
    x = -rng.uniform(0, 0.05) * w
    while x < w:
        bw, bh = rng.uniform(0.07, 0.14) * w, rng.uniform(0.18, 0.45) * h
        shade = rng.randint(70, 130)
        draw.rectangle((x, horizon - bh, x + bw, horizon), fill=(shade, shade, shade + 8))
        lit = (250, 215, 120) if night else (170, 200, 225)
        for wy in np.arange(horizon - bh + 0.03 * h, horizon - 0.03 * h, 0.05 * h):
            for wx in np.arange(x + 0.015 * w, x + bw - 0.02 * w, 0.03 * w):
                if rng.random() < (0.55 if night else 0.9):  # lit windows at night shine through the dark
                    (glow if night else draw).rectangle((wx, wy, wx + 0.012 * w, wy + 0.02 * h), fill=lit)
        x += bw + rng.uniform(0.0, 0.02) * w
    draw.rectangle((0, horizon, w, h), fill=(88, 88, 94))
    draw.rectangle((0, horizon, w, horizon + 0.06 * h), fill=(140, 138, 132))


def _scenery_water(draw, glow, rng, w, h, horizon, night):
    shore = horizon + 0.12 * h
    draw.rectangle((0, horizon, w, shore), fill=(40, 105, 165))
    for _ in range(14):
        x, y = rng.uniform(0, w), rng.uniform(horizon + 0.01 * h, shore - 0.01 * h)
        draw.line((x, y, x + rng.uniform(0.03, 0.08) * w, y), fill=(120, 175, 215), width=max(1, h // 300))
    draw.rectangle((0, shore, w, h), fill=(222, 202, 150))


def _scenery_desert(draw, glow, rng, w, h, horizon, night):
    draw.rectangle((0, horizon, w, h), fill=(226, 190, 128))
    for _ in range(4):
        cx, rx, ry = rng.uniform(0, w), rng.uniform(0.2, 0.45) * w, rng.uniform(0.05, 0.1) * h
        draw.ellipse((cx - rx, horizon - ry, cx + rx, horizon + ry), fill=(214, 172, 110))


def _scenery_mountains(draw, glow, rng, w, h, horizon, night):
    for _ in range(5):
        cx, half, peak = rng.uniform(0, w), rng.uniform(0.15, 0.3) * w, rng.uniform(0.22, 0.4) * h
        draw.polygon([(cx - half, horizon), (cx, horizon - peak), (cx + half, horizon)], fill=(96, 104, 128))
        cap_half, cap_y = half * 0.25, horizon - peak * 0.75
        draw.polygon([(cx - cap_half, cap_y), (cx, horizon - peak), (cx + cap_half, cap_y)], fill=(235, 238, 245))
    draw.rectangle((0, horizon, w, h), fill=(104, 140, 80))


def _scenery_interior(draw, glow, rng, w, h, horizon, night):
    floor = int(h * 0.66)
    draw.rectangle((0, 0, w, floor), fill=(196, 180, 150))
    wx, ww = rng.uniform(0.1, 0.6) * w, 0.24 * w
    window = (wx, 0.12 * h, wx + ww, 0.45 * h)
    draw.rectangle(window, fill=SKIES["night" if night else "day"][1], outline=(110, 80, 55), width=max(2, h // 90))
    draw.line(((window[0] + window[2]) / 2, window[1], (window[0] + window[2]) / 2, window[3]), fill=(110, 80, 55),
              width=max(2, h // 120))
    px = (wx + ww + 0.08 * w) % (w * 0.8)
    draw.rectangle((px, 0.18 * h, px + 0.12 * w, 0.36 * h), fill=(150, 120, 90), outline=(90, 60, 40), width=3)
    draw.rectangle((0, floor, w, h), fill=(140, 100, 62))
    for y in np.arange(floor, h, 0.05 * h):
        draw.line((0, y, w, y), fill=(120, 84, 50), width=max(1, h // 360))


def _scenery_space(draw, glow, rng, w, h, horizon, night):
    px, py, r = rng.uniform(0.2, 0.8) * w, rng.uniform(0.15, 0.35) * h, rng.uniform(0.08, 0.14) * h
    draw.ellipse((px - r, py - r, px + r, py + r), fill=(200, 120, 80))
    draw.ellipse((px - r * 1.7, py - r * 0.25, px + r * 1.7, py + r * 0.25), outline=(230, 200, 160), width=2)
    draw.rectangle((0, horizon, w, h), fill=(70, 74, 84))
    for x in np.arange(0, w, 0.1 * w):
        draw.line((x, horizon, x, h), fill=(56, 60, 70), width=2)


SCENERY = {
    "plain": _scenery_plain, "forest": _scenery_forest, "city": _scenery_city, "water": _scenery_water,
    "desert": _scenery_desert, "mountains": _scenery_mountains, "interior": _scenery_interior,
    "space": _scenery_space,
}


def gradient(top: RGB, bottom: RGB, rows: int) -> np.ndarray:
    ramp = np.linspace(0.0, 1.0, max(1, rows), dtype=np.float32)[:, None]
    return (np.array(top, np.float32) * (1 - ramp) + np.array(bottom, np.float32) * ramp).astype(np.uint8)
