"""The scene renderer: draws the world once, then each frame's figures, camera, weather and caption."""
from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from PIL import Image

from app.media.text import smoothstep
from app.providers.video.base import RenderRequest
from app.providers.video.local.animals import FLYING, animal_sprite
from app.providers.video.local.animals import SIZE as ANIMAL_SIZE
from app.providers.video.local.cast import Member, cast_of, props_of
from app.providers.video.local.chance import seeded_random
from app.providers.video.local.figures import draw_prop, figure_sprite, height_factor
from app.providers.video.local.finish import (
    apply_grade,
    caption_band,
    caption_text,
    load_first_frame,
    style_grade,
)
from app.providers.video.local.scenery import FEET, Location, Weather
from app.providers.video.local.shot import prompt_words, read_shot

#: seconds over which a continuation fades from the parent's last frame into the new scene
CONTINUATION_BLEND = 0.5
#: the world is drawn this much larger than the frame so the camera has room to pan and zoom
WORLD_MARGIN = 1.2
MAX_ZOOM = 1.18
MAX_CHARACTERS = 8


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
        characters = (bible.get("characters") or [])[:MAX_CHARACTERS]
        shot = read_shot(prompt_words(request.prompt, bible.get("action")), [c.get("name") for c in characters])
        self.location = Location(bible.get("location"), request.seed, shot)
        self.grade = style_grade(bible.get("style"))
        cast = cast_of(characters, shot, self.location.weather)
        walkers = sum(member.animal not in FLYING for member in cast)
        self.world = self._draw_world(props_of(bible.get("props") or [], shot), walkers)
        self.figures = self._place_figures(cast)
        self.camera = _Camera(request.seed, self.world_w, self.world_h)
        self.weather = Weather(self.location.weather, request.seed, self.width, self.height)
        self.caption = caption_band(caption_text(request), self.width, self.height)
        self.first = load_first_frame(request.first_frame, self.width, self.height)

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
            frame = Image.blend(self.first, frame, smoothstep(t / CONTINUATION_BLEND))
        return frame

    def _draw_world(self, props: list[dict[str, Any]], walkers: int) -> Image.Image:
        """The location with the props on the ground, between the places where ``walkers`` figures stand."""
        w, h = self.world_w, self.world_h
        image = Image.fromarray(self.location.draw(w, h))
        things = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        rng = seeded_random(self.request.seed, "props")
        for number, prop in enumerate(props[:6]):
            size = int(h * 0.11)
            slot = (number + 0.5) / max(1, min(6, len(props)))
            between = 0.5 / (walkers + 1) if walkers else 0.0
            place = 0.12 + 0.76 * slot + between
            x = int(w * (place - 0.84 if place > 0.92 else place) + rng.uniform(-0.04, 0.04) * w)
            y = int(h * rng.uniform(FEET - 0.04, FEET + 0.02))
            draw_prop(things, prop, x, y, size)
        image.paste(self._in_light(things), (0, 0), things)
        return Image.fromarray(apply_grade(np.asarray(image), self.grade))

    def _in_light(self, sprite: Image.Image, *, foreground: bool = False) -> Image.Image:
        """An RGBA sprite in the location's light. Figures in the ``foreground`` are lit a little more
        than the world, as a film lights its actors, so their colours stay readable at night."""
        pixels = np.asarray(sprite).astype(np.float32)
        light = self.location.light
        pixels[..., :3] *= np.sqrt(light) if foreground else light
        return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))

    def _place_figures(self, cast: list[Member]) -> list[_Figure]:
        walking = [m for m in cast if m.animal not in FLYING]
        scale = 1.0 if len(walking) <= 3 else 3 / len(walking) + 0.25
        person = self.world_h * 0.38 * scale
        figures = []
        standing = 0
        for member in cast:
            rng = seeded_random(self.request.seed, "figure", member.key)
            if member.animal is None:
                sprite = figure_sprite(member.entity, int(person * height_factor(member.entity)))
            else:
                sprite = animal_sprite(member.animal, member.coat, int(person * ANIMAL_SIZE[member.animal]),
                                       facing_left=rng.random() < 0.5)
            sprite = self._in_light(sprite, foreground=True)
            sprite = Image.fromarray(apply_grade(np.asarray(sprite), self.grade))
            if member.animal in FLYING:
                cx, feet = rng.uniform(0.15, 0.85) * self.world_w, self.world_h * rng.uniform(0.2, 0.34)
                drift = rng.uniform(0.08, 0.14) * self.world_w * (1 if rng.random() < 0.5 else -1)
            else:
                standing += 1
                cx = self.world_w * standing / (len(walking) + 1) + rng.uniform(-0.03, 0.03) * self.world_w
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
        rng = seeded_random(seed, "camera")
        self.zooms = (rng.uniform(1.0, MAX_ZOOM), rng.uniform(1.0, MAX_ZOOM))
        # vertical pan stays in the lower half so feet and props stay above the caption band
        self.pans = ((rng.random(), rng.uniform(0.5, 1.0)), (rng.random(), rng.uniform(0.5, 1.0)))
        self.world_w, self.world_h = world_w, world_h

    def box(self, progress: float) -> tuple[float, float, float, float]:
        eased = smoothstep(progress)
        zoom = self.zooms[0] + (self.zooms[1] - self.zooms[0]) * eased
        view_w, view_h = self.world_w / zoom, self.world_h / zoom
        px = self.pans[0][0] + (self.pans[1][0] - self.pans[0][0]) * eased
        py = self.pans[0][1] + (self.pans[1][1] - self.pans[0][1]) * eased
        left = (self.world_w - view_w) * px
        top = (self.world_h - view_h) * py
        return left, top, left + view_w, top + view_h

