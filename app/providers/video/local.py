"""The local video provider: a procedural renderer that makes real H.264 clips on the CPU.

Nothing here is generative: the clip is drawn from the request so that every
part of the pipeline (queue, progress, normalize, HLS, continuity scoring) runs
for real without a paid API. What is drawn comes from the Scene Bible the
pipeline passes in:

- the location sets the sky, ground and scenery (forest, city, water, desert,
  mountains, interior, space …), the time of day, weather and a colour tint;
- each character is a figure whose coat, hair, skin and trousers take the
  colours its attributes name (``coat: red``) or, failing that, a colour
  derived from its entity id — :func:`signature_color` returns that main
  colour so continuity scoring can look for it;
- props are simple shapes, the style grades the picture (noir, sepia, warm …);
- the action (or the prompt) is a caption on a dark band at the bottom;
- the camera pans and zooms slowly, as the seed decides;
- a continuation starts on the parent's last frame and cross-fades into the
  scene over half a second.

The same request renders the same bytes. Frames are built with numpy arrays
and Pillow's C drawing/resampling, and piped as raw RGB into the bundled ffmpeg.
"""
from __future__ import annotations

import colorsys
import hashlib
import io
import json
import math
import random
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from app.media.ffmpeg import atomic_output, ffmpeg_exe, stderr_tail
from app.providers.video.base import (
    OutputExpiredError,
    PermanentProviderError,
    ProgressCallback,
    ProviderError,
    RenderRequest,
    TaskResult,
    VideoProvider,
)

RGB = tuple[int, int, int]

#: seconds over which a continuation fades from the parent's last frame into the new scene
CONTINUATION_BLEND = 0.5
#: the world is drawn this much larger than the frame so the camera has room to pan and zoom
WORLD_MARGIN = 1.2
MAX_ZOOM = 1.18
MAX_CHARACTERS = 8
CAPTION_MAX_LINES = 2
#: where the ground meets the sky, and where figures stand, as fractions of the world's height
HORIZON = 0.55
FEET = 0.74

# --- colour words -------------------------------------------------------------------------------

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
_DARKEN = {"dark", "deep", "dusky", "midnight"}
_LIGHTEN = {"light", "pale", "pastel", "soft", "faded"}
_BRIGHTEN = {"bright", "vivid", "neon", "electric"}

#: attribute keys that name what covers most of a figure, most important first
CLOTHING_KEYS = (
    "color", "colour", "coat", "jacket", "cloak", "cape", "robe", "dress", "gown", "shirt", "tunic", "sweater",
    "jumper", "hoodie", "blouse", "armor", "armour", "suit", "uniform", "outfit", "clothes", "clothing", "top",
)
_NOT_CLOTHING = {"hair", "eyes", "eye", "skin", "beard", "hat", "trousers", "pants", "jeans", "skirt", "legs", "shoes"}
_LEG_KEYS = ("trousers", "pants", "jeans", "skirt", "legs", "leggings", "shorts")
_SKIN_TONES: list[RGB] = [
    (255, 224, 196), (241, 194, 158), (224, 172, 125), (198, 134, 90), (161, 102, 64), (115, 72, 45), (88, 55, 36),
]
_SKIN_WORDS = {
    "pale": 0, "fair": 0, "light": 1, "freckled": 1, "olive": 2, "tan": 3, "tanned": 3, "golden": 3,
    "brown": 4, "bronze": 4, "dark": 5, "deep": 6, "ebony": 6,
}
_HAIR_TONES: list[RGB] = [(30, 25, 22), (70, 45, 28), (110, 70, 40), (200, 165, 100), (150, 60, 30), (120, 120, 120)]

# --- scenery ------------------------------------------------------------------------------------

SKIES: dict[str, tuple[RGB, RGB]] = {
    "day": ((96, 156, 222), (196, 222, 243)),
    "morning": ((130, 170, 225), (245, 215, 180)),
    "dawn": ((90, 100, 170), (250, 180, 150)),
    "dusk": ((55, 45, 105), (245, 135, 85)),
    "night": ((6, 10, 30), (28, 38, 78)),
}
_TIME_WORDS = {
    "night": "night", "midnight": "night", "nighttime": "night", "moonlit": "night", "moonlight": "night",
    "dusk": "dusk", "sunset": "dusk", "evening": "dusk", "twilight": "dusk",
    "dawn": "dawn", "sunrise": "dawn", "daybreak": "dawn",
    "morning": "morning",
    "day": "day", "daytime": "day", "noon": "day", "midday": "day", "afternoon": "day", "sunny": "day",
}
_KIND_WORDS = {
    "forest": "forest", "woods": "forest", "wood": "forest", "jungle": "forest", "grove": "forest",
    "city": "city", "street": "city", "town": "city", "alley": "city", "market": "city", "village": "city",
    "downtown": "city", "square": "city", "plaza": "city", "rooftop": "city",
    "beach": "water", "sea": "water", "ocean": "water", "coast": "water", "harbor": "water", "harbour": "water",
    "lake": "water", "river": "water", "shore": "water", "port": "water", "island": "water",
    "desert": "desert", "dunes": "desert", "dune": "desert", "canyon": "desert", "wasteland": "desert",
    "mountain": "mountains", "mountains": "mountains", "hill": "mountains", "hills": "mountains",
    "cliff": "mountains", "valley": "mountains", "peak": "mountains",
    "room": "interior", "kitchen": "interior", "office": "interior", "house": "interior", "hall": "interior",
    "library": "interior", "tavern": "interior", "inn": "interior", "castle": "interior", "bedroom": "interior",
    "classroom": "interior", "shop": "interior", "cafe": "interior", "bar": "interior", "lab": "interior",
    "laboratory": "interior", "apartment": "interior", "studio": "interior", "cellar": "interior",
    "space": "space", "spaceship": "space", "starship": "space", "station": "space", "moon": "space",
    "planet": "space", "orbit": "space",
}
_WEATHER_WORDS = {
    "rain": "rain", "rainy": "rain", "raining": "rain", "storm": "rain", "stormy": "rain", "drizzle": "rain",
    "snow": "snow", "snowy": "snow", "snowing": "snow", "blizzard": "snow", "winter": "snow",
    "fog": "fog", "foggy": "fog", "mist": "fog", "misty": "fog", "haze": "fog", "hazy": "fog",
}
_TINT_KEYS = ("color", "colour", "palette", "tint", "light", "lighting")
_STYLE_GRADES = {
    "noir": "mono", "monochrome": "mono", "grayscale": "mono", "greyscale": "mono", "black and white": "mono",
    "sepia": "sepia", "vintage": "sepia", "old": "sepia", "western": "sepia",
    "warm": "warm", "golden": "warm", "cozy": "warm",
    "cool": "cool", "cold": "cool", "icy": "cool", "cyberpunk": "cool",
    "vivid": "vivid", "saturated": "vivid", "vibrant": "vivid", "cartoon": "vivid", "comic": "vivid",
    "pastel": "pastel", "soft": "pastel", "dreamy": "pastel", "watercolor": "pastel", "watercolour": "pastel",
}


# --- public helpers -----------------------------------------------------------------------------


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
        return _modify(found, modifier)
    return None


def signature_color(entity: dict[str, Any] | None) -> RGB:
    """The main colour the local renderer paints ``entity`` with (a character's coat, a prop's body,
    a location's tint): the first colour its attributes name, else its name, else one derived from its id."""
    if not entity:
        return (128, 128, 128)
    attributes = _attributes(entity)
    for key in CLOTHING_KEYS + _TINT_KEYS:
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
    value = _stable_int("color", key)
    hue = (value % 360) / 360
    saturation = 0.55 + (value // 360 % 30) / 100
    return _hsv(hue, saturation, 0.85)


def render_clip(
    request: RenderRequest,
    dest: Path,
    *,
    preset: str = "veryfast",
    crf: int = 20,
    on_progress: ProgressCallback | None = None,
) -> Path:
    """Render ``request`` to an H.264 MP4 at ``dest`` (no audio) and return ``dest``.

    ``dest`` only appears once the encode finished. Raises ProviderError when
    the request cannot be rendered or the encoder fails.
    """
    _validate(request)
    scene = SceneRenderer(request)
    total = _seconds(request.duration)
    with atomic_output(Path(dest)) as temp, tempfile.TemporaryFile() as errors:
        try:
            command = _encoder_command(request, preset, crf, temp)
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=errors)
        except OSError as exc:
            raise ProviderError(f"the local renderer cannot start ffmpeg: {exc}", code="render_failed") from exc
        try:
            if on_progress:
                on_progress(0.0, f"rendering 0 s of {total} s")
            for index, frame in enumerate(scene.frames(), start=1):
                process.stdin.write(frame)
                if on_progress and (index % request.fps == 0 or index == scene.frame_count):
                    on_progress(index / scene.frame_count,
                                f"rendering {_seconds(index / request.fps)} s of {total} s")
            process.stdin.close()
            returncode = process.wait()
        except OSError:  # ffmpeg died and closed the pipe; its stderr says why
            process.kill()
            returncode = process.wait()
        except BaseException:
            process.kill()
            process.wait()
            raise
        if returncode != 0:
            errors.seek(0)
            raise ProviderError(
                f"the local renderer's encoder failed (ffmpeg exit {returncode}): {stderr_tail(errors.read())}",
                code="render_failed",
            )
    return Path(dest)


# --- the provider -------------------------------------------------------------------------------


class LocalVideoProvider(VideoProvider):
    """Renders on this machine. Tasks are files in ``work_dir`` named by the request's hash,
    so starting the same request twice, or resuming after a crash, reuses the same clip."""

    name = "local"
    start_is_idempotent = True  # the task id is the request's hash

    def __init__(self, work_dir: Path, *, preset: str = "veryfast", crf: int = 20):
        self.work_dir = Path(work_dir)
        self.preset = preset
        self.crf = crf

    @staticmethod
    def task_id_for(request: RenderRequest) -> str:
        """The deterministic task id of ``request``: "local-" + 16 hex digits of its hash."""
        return "local-" + hashlib.sha256(_canonical_json(request).encode()).hexdigest()[:16]

    def start(self, request: RenderRequest) -> str:
        """Record the request as ``<task_id>.json`` (first frame beside it) and return the task id."""
        _validate(request)
        task_id = self.task_id_for(request)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        record = _request_fields(request)
        if request.first_frame is not None:
            record["first_frame_file"] = f"{task_id}.first_frame{_image_suffix(request.first_frame)}"
            with atomic_output(self.work_dir / record["first_frame_file"]) as temp:
                temp.write_bytes(request.first_frame)
        with atomic_output(self.work_dir / f"{task_id}.json") as temp:
            temp.write_text(json.dumps(record, sort_keys=True, default=str, indent=2))
        return task_id

    def wait(self, task_id: str, request: RenderRequest, on_progress: ProgressCallback | None = None) -> TaskResult:
        """Render the clip unless ``<task_id>.mp4`` already exists; report progress once per second of video."""
        if task_id != self.task_id_for(request):
            raise PermanentProviderError(
                f"task {task_id} was started for a different request; start a new task", code="task_mismatch"
            )
        output = self.work_dir / f"{task_id}.mp4"
        if output.is_file():
            if on_progress:
                total = _seconds(request.duration)
                on_progress(1.0, f"rendering {total} s of {total} s")
        else:
            render_clip(request, output, preset=self.preset, crf=self.crf, on_progress=on_progress)
        return TaskResult(task_id=task_id, output_url=str(output))

    def fetch(self, result: TaskResult, dest: Path, on_progress: ProgressCallback | None = None) -> Path:
        """Copy the rendered clip to ``dest``."""
        source = Path(result.output_url)
        if not source.is_file():
            raise OutputExpiredError(
                f"the rendered clip {source.name} is gone from the work directory; render it again",
                code="output_missing",
            )
        with atomic_output(Path(dest)) as temp:
            shutil.copyfile(source, temp)
        return Path(dest)


# --- the renderer -------------------------------------------------------------------------------


class SceneRenderer:
    """Draws the frames of one request. Everything static is drawn once; each frame only pastes
    figures, moves the camera, adds weather, caption and the continuation fade."""

    def __init__(self, request: RenderRequest):
        self.request = request
        self.width, self.height, self.fps = request.width, request.height, request.fps
        self.frame_count = max(1, round(request.duration * request.fps))
        bible = request.bible or {}
        self.world_w = math.ceil(self.width * WORLD_MARGIN)
        self.world_h = math.ceil(self.height * WORLD_MARGIN)
        self.location = _Location(bible.get("location"), request.seed)
        self.grade = _style_grade(bible.get("style"))
        self.world = self._draw_world(bible.get("props") or [])
        self.figures = self._place_figures((bible.get("characters") or [])[:MAX_CHARACTERS])
        self.camera = _Camera(request.seed, self.world_w, self.world_h)
        self.weather = _Weather(self.location.weather, request.seed, self.width, self.height)
        self.caption = _caption_band(_caption_text(request), self.width, self.height)
        self.first = _load_first_frame(request.first_frame, self.width, self.height)

    def frames(self) -> Iterator[bytes]:
        """Raw RGB24 frames, ``frame_count`` of them."""
        for index in range(self.frame_count):
            yield self.frame(index).tobytes()

    def frame(self, index: int) -> Image.Image:
        """Frame ``index`` as an RGB image."""
        t = index / self.fps
        progress = index / max(1, self.frame_count - 1)
        box = self.camera.box(progress)
        left, top = math.floor(box[0]), math.floor(box[1])
        right, bottom = min(self.world_w, math.ceil(box[2])), min(self.world_h, math.ceil(box[3]))
        region = self.world.crop((left, top, right, bottom))
        for figure in self.figures:
            x, y = figure.position(t)
            region.paste(figure.sprite, (x - left, y - top), figure.sprite)
        frame = region.resize(
            (self.width, self.height), Image.Resampling.BILINEAR,
            box=(box[0] - left, box[1] - top, box[2] - left, box[3] - top),
        )
        self.weather.draw(frame, t)
        if self.caption is not None:
            frame.paste(self.caption, (0, self.height - self.caption.height), self.caption)
        if self.first is not None and t < CONTINUATION_BLEND:
            frame = Image.blend(self.first, frame, _smoothstep(t / CONTINUATION_BLEND))
        return frame

    def _draw_world(self, props: list[dict[str, Any]]) -> Image.Image:
        w, h = self.world_w, self.world_h
        pixels = self.location.draw(w, h)
        image = Image.fromarray(pixels)
        rng = _rng(self.request.seed, "props")
        for number, prop in enumerate(props[:6]):
            size = int(h * 0.11)
            slot = (number + 0.5) / max(1, min(6, len(props)))
            x = int(w * (0.12 + 0.76 * slot) + rng.uniform(-0.04, 0.04) * w)
            y = int(h * rng.uniform(FEET - 0.04, FEET + 0.02))
            _draw_prop(image, prop, x, y, size)
        return Image.fromarray(_apply_grade(np.asarray(image), self.grade))

    def _place_figures(self, characters: list[dict[str, Any]]) -> list[_Figure]:
        count = len(characters)
        if not count:
            return []
        scale = 1.0 if count <= 3 else 3 / count + 0.25
        figures = []
        for number, character in enumerate(characters):
            rng = _rng(self.request.seed, "figure", character.get("id") or character.get("name") or number)
            height = int(self.world_h * 0.38 * scale * _height_factor(character))
            sprite = _figure_sprite(character, height)
            sprite = Image.fromarray(_apply_grade(np.asarray(sprite), self.grade))
            cx = self.world_w * (number + 1) / (count + 1) + rng.uniform(-0.03, 0.03) * self.world_w
            feet = self.world_h * (FEET + rng.uniform(-0.015, 0.015))
            drift = rng.uniform(-1, 1) * 0.03 * self.world_w
            figures.append(_Figure(sprite, cx, feet, rng.uniform(0, math.tau), drift))
        return figures


class _Figure:
    """A character sprite and how it bobs and drifts over time."""

    def __init__(self, sprite: Image.Image, center_x: float, feet_y: float, phase: float, drift: float):
        self.sprite, self.center_x, self.feet_y, self.phase, self.drift = sprite, center_x, feet_y, phase, drift

    def position(self, t: float) -> tuple[int, int]:
        bob = abs(math.sin(t * 3.2 + self.phase)) * self.sprite.height * 0.025
        x = self.center_x + self.drift * math.sin(t * 0.6 + self.phase) - self.sprite.width / 2
        return round(x), round(self.feet_y - self.sprite.height - bob)


class _Camera:
    """A slow, seeded pan and zoom inside the world."""

    def __init__(self, seed: int, world_w: int, world_h: int):
        rng = _rng(seed, "camera")
        self.zooms = (rng.uniform(1.0, MAX_ZOOM), rng.uniform(1.0, MAX_ZOOM))
        # vertical pan stays in the lower half so feet and props stay above the caption band
        self.pans = ((rng.random(), rng.uniform(0.5, 1.0)), (rng.random(), rng.uniform(0.5, 1.0)))
        self.world_w, self.world_h = world_w, world_h

    def box(self, progress: float) -> tuple[float, float, float, float]:
        eased = _smoothstep(progress)
        zoom = self.zooms[0] + (self.zooms[1] - self.zooms[0]) * eased
        view_w, view_h = self.world_w / zoom, self.world_h / zoom
        px = self.pans[0][0] + (self.pans[1][0] - self.pans[0][0]) * eased
        py = self.pans[0][1] + (self.pans[1][1] - self.pans[0][1]) * eased
        left = (self.world_w - view_w) * px
        top = (self.world_h - view_h) * py
        return left, top, left + view_w, top + view_h


class _Weather:
    """Rain streaks or snowflakes falling over the frame."""

    def __init__(self, kind: str | None, seed: int, width: int, height: int):
        self.kind, self.width, self.height = kind, width, height
        rng = _rng(seed, "weather")
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


class _Location:
    """Sky, ground and scenery of the location, decided by its name, attributes or hash."""

    def __init__(self, entity: dict[str, Any] | None, seed: int):
        attributes = _attributes(entity) if entity else {}
        words = _words(entity) if entity else ""
        key = str((entity or {}).get("id") or (entity or {}).get("name") or f"seed:{seed}")
        self.key = key
        time_text = attributes.get("time") or attributes.get("time_of_day") or words
        self.time = _first_word(time_text, _TIME_WORDS) or _first_word(words, _TIME_WORDS) or (
            ["day", "dusk", "night", "dawn", "morning"][_stable_int("time", key) % 5]
        )
        kind_text = attributes.get("type") or attributes.get("setting") or words
        self.kind = _first_word(kind_text, _KIND_WORDS) or _first_word(words, _KIND_WORDS) or "plain"
        self.weather = _first_word(attributes.get("weather", "") or words, _WEATHER_WORDS)
        named = any(name in attributes and parse_color(attributes[name]) for name in _TINT_KEYS)
        self.tint = signature_color(entity) if entity else hashed_color(key)
        self.tint_strength = 0.24 if named else 0.14

    def draw(self, w: int, h: int) -> np.ndarray:
        rng = _rng(self.key, "scenery")
        night = self.time == "night"
        top, bottom = SKIES["night" if self.kind == "space" else self.time]
        horizon = int(h * HORIZON)
        pixels = np.empty((h, w, 3), dtype=np.uint8)
        pixels[:horizon] = _gradient(top, bottom, horizon)[:, None, :]
        image = Image.fromarray(pixels)
        draw = ImageDraw.Draw(image)
        if night or self.kind == "space":
            for _ in range(int(w * h / 2500)):
                x, y = rng.random() * w, rng.random() * horizon * 0.95
                shade = rng.randint(150, 255)
                draw.point((x, y), fill=(shade, shade, min(255, shade + 20)))
            mx, my, r = w * rng.uniform(0.15, 0.85), h * rng.uniform(0.08, 0.2), h * 0.05
            draw.ellipse((mx - r, my - r, mx + r, my + r), fill=(236, 236, 220))
        elif self.time in ("dusk", "dawn"):
            sx, r = w * rng.uniform(0.2, 0.8), h * 0.08
            draw.ellipse((sx - r, horizon - r * 1.2, sx + r, horizon + r * 0.8), fill=(255, 200, 120))
        else:
            sx, sy, r = w * rng.uniform(0.1, 0.9), h * rng.uniform(0.08, 0.18), h * 0.055
            draw.ellipse((sx - r, sy - r, sx + r, sy + r), fill=(255, 244, 200))
        _SCENERY[self.kind](draw, rng, w, h, horizon, night)
        pixels = np.asarray(image).astype(np.float32)
        if night and self.kind not in ("space",):
            pixels[horizon:] *= np.array([0.55, 0.6, 0.8], dtype=np.float32)
        if self.weather == "fog":
            pixels = pixels * 0.65 + np.array([200, 205, 210], dtype=np.float32) * 0.35
        elif self.weather == "rain":
            pixels *= 0.82
        elif self.weather == "snow":
            pixels[horizon:] = pixels[horizon:] * 0.35 + np.float32(238) * 0.65
        pixels = pixels * (1 - self.tint_strength) + np.array(self.tint, dtype=np.float32) * self.tint_strength
        return np.clip(pixels, 0, 255).astype(np.uint8)


def _scenery_plain(draw, rng, w, h, horizon, night):
    for _ in range(3):
        cx, rx, ry = rng.uniform(0, w), rng.uniform(0.25, 0.5) * w, rng.uniform(0.06, 0.12) * h
        draw.ellipse((cx - rx, horizon - ry, cx + rx, horizon + ry), fill=(80, 130, 70))
    draw.rectangle((0, horizon, w, h), fill=(96, 152, 72))
    for _ in range(5):
        x, y, r = rng.uniform(0, w), rng.uniform(horizon + 0.05 * h, h * 0.72), rng.uniform(0.02, 0.04) * h
        draw.ellipse((x - r * 1.6, y - r, x + r * 1.6, y + r), fill=(60, 115, 50))


def _scenery_forest(draw, rng, w, h, horizon, night):
    draw.rectangle((0, horizon, w, h), fill=(62, 98, 46))
    for layer, shade in ((0, (40, 80, 45)), (1, (30, 66, 36))):
        for _ in range(9 + layer * 3):
            x = rng.uniform(0, w)
            base = horizon + rng.uniform(0.0, 0.08) * h + layer * 0.05 * h
            trunk_h, r = rng.uniform(0.12, 0.2) * h, rng.uniform(0.06, 0.1) * h
            draw.rectangle((x - r * 0.15, base - trunk_h, x + r * 0.15, base), fill=(85, 58, 35))
            draw.ellipse((x - r, base - trunk_h - r * 1.3, x + r, base - trunk_h + r * 0.7), fill=shade)


def _scenery_city(draw, rng, w, h, horizon, night):
    x = -rng.uniform(0, 0.05) * w
    while x < w:
        bw, bh = rng.uniform(0.07, 0.14) * w, rng.uniform(0.18, 0.45) * h
        shade = rng.randint(70, 130)
        draw.rectangle((x, horizon - bh, x + bw, horizon), fill=(shade, shade, shade + 8))
        lit = (250, 215, 120) if night else (170, 200, 225)
        for wy in np.arange(horizon - bh + 0.03 * h, horizon - 0.03 * h, 0.05 * h):
            for wx in np.arange(x + 0.015 * w, x + bw - 0.02 * w, 0.03 * w):
                if rng.random() < (0.55 if night else 0.9):
                    draw.rectangle((wx, wy, wx + 0.012 * w, wy + 0.02 * h), fill=lit)
        x += bw + rng.uniform(0.0, 0.02) * w
    draw.rectangle((0, horizon, w, h), fill=(88, 88, 94))
    draw.rectangle((0, horizon, w, horizon + 0.06 * h), fill=(140, 138, 132))


def _scenery_water(draw, rng, w, h, horizon, night):
    shore = horizon + 0.12 * h
    draw.rectangle((0, horizon, w, shore), fill=(40, 105, 165))
    for _ in range(14):
        x, y = rng.uniform(0, w), rng.uniform(horizon + 0.01 * h, shore - 0.01 * h)
        draw.line((x, y, x + rng.uniform(0.03, 0.08) * w, y), fill=(120, 175, 215), width=max(1, h // 300))
    draw.rectangle((0, shore, w, h), fill=(222, 202, 150))


def _scenery_desert(draw, rng, w, h, horizon, night):
    draw.rectangle((0, horizon, w, h), fill=(226, 190, 128))
    for _ in range(4):
        cx, rx, ry = rng.uniform(0, w), rng.uniform(0.2, 0.45) * w, rng.uniform(0.05, 0.1) * h
        draw.ellipse((cx - rx, horizon - ry, cx + rx, horizon + ry), fill=(214, 172, 110))


def _scenery_mountains(draw, rng, w, h, horizon, night):
    for _ in range(5):
        cx, half, peak = rng.uniform(0, w), rng.uniform(0.15, 0.3) * w, rng.uniform(0.22, 0.4) * h
        draw.polygon([(cx - half, horizon), (cx, horizon - peak), (cx + half, horizon)], fill=(96, 104, 128))
        cap_half, cap_y = half * 0.25, horizon - peak * 0.75
        draw.polygon([(cx - cap_half, cap_y), (cx, horizon - peak), (cx + cap_half, cap_y)], fill=(235, 238, 245))
    draw.rectangle((0, horizon, w, h), fill=(104, 140, 80))


def _scenery_interior(draw, rng, w, h, horizon, night):
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


def _scenery_space(draw, rng, w, h, horizon, night):
    px, py, r = rng.uniform(0.2, 0.8) * w, rng.uniform(0.15, 0.35) * h, rng.uniform(0.08, 0.14) * h
    draw.ellipse((px - r, py - r, px + r, py + r), fill=(200, 120, 80))
    draw.ellipse((px - r * 1.7, py - r * 0.25, px + r * 1.7, py + r * 0.25), outline=(230, 200, 160), width=2)
    draw.rectangle((0, horizon, w, h), fill=(70, 74, 84))
    for x in np.arange(0, w, 0.1 * w):
        draw.line((x, horizon, x, h), fill=(56, 60, 70), width=2)


_SCENERY = {
    "plain": _scenery_plain, "forest": _scenery_forest, "city": _scenery_city, "water": _scenery_water,
    "desert": _scenery_desert, "mountains": _scenery_mountains, "interior": _scenery_interior,
    "space": _scenery_space,
}


# --- figures and props --------------------------------------------------------------------------


def _figure_sprite(character: dict[str, Any], height: int) -> Image.Image:
    """A standing figure, drawn at twice the size and scaled down for smooth edges."""
    attributes = _attributes(character)
    key = str(character.get("id") or character.get("name") or "")
    body = signature_color(character)
    hair = parse_color(attributes.get("hair", ""), hair=True)
    hair = hair or _HAIR_TONES[_stable_int("hair", key) % len(_HAIR_TONES)]
    skin = _skin_tone(attributes.get("skin", ""), key)
    legs = next((c for k in _LEG_KEYS if k in attributes and (c := parse_color(attributes[k]))), None)
    if legs is None:
        legs = COLOR_WORDS["denim"] if "jeans" in attributes else _modify(body, "dark")
    hat = (parse_color(attributes["hat"]) or (40, 40, 44)) if "hat" in attributes else None

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
    arm = _modify(body, "dark")
    for side in (-1, 1):
        draw.line((cx + side * H * 0.15, H * 0.28, cx + side * H * 0.21, H * 0.58), fill=arm, width=int(H * 0.06))
        hx, hy, hr = cx + side * H * 0.21, H * 0.6, H * 0.032
        draw.ellipse((hx - hr, hy - hr, hx + hr, hy + hr), fill=skin)
    # coat
    draw.polygon(
        [(cx - H * 0.15, H * 0.25), (cx + H * 0.15, H * 0.25), (cx + H * 0.22, H * 0.68), (cx - H * 0.22, H * 0.68)],
        fill=body, outline=outline, width=line,
    )
    # head, hair, eyes
    hr = H * 0.105
    hy = H * 0.135
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


def _draw_prop(image: Image.Image, prop: dict[str, Any], x: int, y: int, size: int) -> None:
    """A prop as a simple shape chosen by what it is (ball, box, sword …) in its signature colour."""
    draw = ImageDraw.Draw(image)
    color = signature_color(prop)
    edge = _modify(color, "dark")
    words = _words(prop)
    r = size / 2
    if _has_any(words, "ball", "orb", "moon", "coin", "globe", "sphere", "apple", "egg", "pearl", "ring", "clock"):
        draw.ellipse((x - r, y - 2 * r, x + r, y), fill=color, outline=edge, width=2)
    elif _has_any(words, "sword", "staff", "wand", "key", "spear", "knife", "blade", "stick", "cane", "torch"):
        draw.line((x - r * 0.6, y, x + r * 0.6, y - size * 1.4), fill=color, width=max(3, size // 8))
        draw.line((x - r * 0.5, y - size * 0.25, x + r * 0.1, y - size * 0.05), fill=edge, width=max(3, size // 10))
    elif _has_any(words, "box", "chest", "crate", "book", "letter", "map", "suitcase", "bag", "case", "phone"):
        draw.rectangle((x - r * 1.2, y - size * 0.9, x + r * 1.2, y), fill=color, outline=edge, width=2)
        draw.line((x - r * 1.2, y - size * 0.55, x + r * 1.2, y - size * 0.55), fill=edge, width=2)
    elif _has_any(words, "lamp", "lantern", "candle", "bottle", "cup", "vase", "potion"):
        draw.rectangle((x - r * 0.5, y - size * 1.1, x + r * 0.5, y), fill=color, outline=edge, width=2)
        draw.ellipse((x - r * 0.35, y - size * 1.35, x + r * 0.35, y - size * 1.05), fill=(255, 230, 150))
    elif _has_any(words, "car", "cart", "bike", "bicycle", "boat", "wagon"):
        draw.rectangle((x - size, y - size * 0.7, x + size, y - size * 0.2), fill=color, outline=edge, width=2)
        for wx in (x - size * 0.6, x + size * 0.6):
            draw.ellipse((wx - r * 0.45, y - r * 0.9, wx + r * 0.45, y), fill=(30, 30, 30))
    else:
        draw.polygon([(x, y - size * 1.2), (x + r, y - size * 0.6), (x, y), (x - r, y - size * 0.6)],
                     fill=color, outline=edge)


def _height_factor(character: dict[str, Any]) -> float:
    words = _words(character)
    if _has_any(words, "giant", "huge"):
        return 1.25
    if _has_any(words, "tall"):
        return 1.1
    if _has_any(words, "child", "kid", "small", "short", "little", "young girl", "young boy"):
        return 0.75
    return 1.0


def _skin_tone(text: Any, key: str) -> RGB:
    for word in re.findall(r"[a-z]+", str(text).lower()):
        if word in _SKIN_WORDS:
            return _SKIN_TONES[_SKIN_WORDS[word]]
    return _SKIN_TONES[_stable_int("skin", key) % len(_SKIN_TONES)]


# --- caption, style, first frame ----------------------------------------------------------------


def _caption_text(request: RenderRequest) -> str:
    action = (request.bible or {}).get("action")
    return " ".join(str(action or request.prompt or "").split())


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError, OSError):  # Pillow without FreeType only has the small bitmap font
        return ImageFont.load_default()


def _caption_band(text: str, width: int, height: int) -> Image.Image | None:
    """The caption as an RGBA band: white text wrapped to the frame on a translucent dark strip."""
    if not text:
        return None
    font = _font(max(12, height // 20))
    margin = max(8, width // 32)
    lines = _wrap(text, font, width - 2 * margin)
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


def _wrap(text: str, font: Any, max_width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if font.getlength(candidate) <= max_width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    lines.append(current)
    if len(lines) > CAPTION_MAX_LINES:
        words = " ".join(lines[CAPTION_MAX_LINES - 1:]).split()
        while len(words) > 1 and font.getlength(" ".join(words) + " …") > max_width:
            words.pop()
        lines = lines[: CAPTION_MAX_LINES - 1] + [" ".join(words) + " …"]
    return lines


def _style_grade(style: dict[str, Any] | None) -> str | None:
    if not style:
        return None
    words = _words(style)
    for phrase, grade in _STYLE_GRADES.items():
        if re.search(rf"\b{phrase}\b", words):
            return grade
    return None


def _apply_grade(pixels: np.ndarray, grade: str | None) -> np.ndarray:
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


def _load_first_frame(data: bytes | None, width: int, height: int) -> Image.Image | None:
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


# --- small pieces -------------------------------------------------------------------------------


def _validate(request: RenderRequest) -> None:
    problems = []
    if request.width <= 0 or request.height <= 0 or request.width % 2 or request.height % 2:
        problems.append(f"size {request.width}x{request.height} must be positive and even")
    if not 1 <= request.fps <= 120:
        problems.append(f"fps {request.fps} must be between 1 and 120")
    if not 0 < request.duration <= 120:
        problems.append(f"duration {request.duration} s must be between 0 and 120 s")
    if problems:
        raise PermanentProviderError("cannot render this request: " + "; ".join(problems), code="invalid_request")


def _encoder_command(request: RenderRequest, preset: str, crf: int, dest: Path) -> list[str]:
    gop = str(request.fps * 2)
    return [
        ffmpeg_exe(), "-hide_banner", "-loglevel", "error",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{request.width}x{request.height}",
        "-framerate", str(request.fps), "-i", "pipe:0",
        "-vf", "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p",
        "-c:v", "libx264", "-preset", preset, "-crf", str(crf),
        "-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
        "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
        "-fflags", "+bitexact", "-flags:v", "+bitexact", "-movflags", "+faststart",
        "-f", "mp4", "-y", str(dest),
    ]


def _request_fields(request: RenderRequest) -> dict[str, Any]:
    """The request as JSON-ready fields, the first frame replaced by its hash."""
    fields = asdict(request)
    first = fields.pop("first_frame")
    fields["first_frame_sha256"] = hashlib.sha256(first).hexdigest() if first is not None else None
    return fields


def _canonical_json(request: RenderRequest) -> str:
    return json.dumps(_request_fields(request), sort_keys=True, default=str)


def _image_suffix(data: bytes) -> str:
    if data.startswith(b"\xff\xd8"):
        return ".jpg"
    if data.startswith(b"\x89PNG"):
        return ".png"
    return ".bin"


def _attributes(entity: dict[str, Any]) -> dict[str, str]:
    raw = entity.get("attributes") or {}
    return {str(k).strip().lower(): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def _words(entity: dict[str, Any] | None) -> str:
    if not entity:
        return ""
    parts: Iterable[str] = [str(entity.get("name") or ""), *(f"{k} {v}" for k, v in _attributes(entity).items())]
    return " ".join(parts).lower()


def _first_word(text: str, table: dict[str, str]) -> str | None:
    for word in re.findall(r"[a-z]+", str(text).lower()):
        if word in table:
            return table[word]
    return None


def _has_any(text: str, *words: str) -> bool:
    return any(re.search(rf"\b{word}s?\b", text) for word in words)


def _stable_int(*parts: Any) -> int:
    return int(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:12], 16)


def _rng(*parts: Any) -> random.Random:
    return random.Random(_stable_int(*parts))


def _modify(color: RGB, modifier: str) -> RGB:
    if modifier in _DARKEN:
        return tuple(round(c * 0.6) for c in color)
    if modifier in _LIGHTEN:
        return tuple(round(c + (255 - c) * 0.45) for c in color)
    if modifier in _BRIGHTEN:
        mean = sum(color) / 3
        return tuple(max(0, min(255, round(mean + (c - mean) * 1.3))) for c in color)
    return color


def _hsv(h: float, s: float, v: float) -> RGB:
    return tuple(round(c * 255) for c in colorsys.hsv_to_rgb(h, s, v))


def _gradient(top: RGB, bottom: RGB, rows: int) -> np.ndarray:
    ramp = np.linspace(0.0, 1.0, max(1, rows), dtype=np.float32)[:, None]
    return (np.array(top, np.float32) * (1 - ramp) + np.array(bottom, np.float32) * ramp).astype(np.uint8)


def _smoothstep(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


def _seconds(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"
