"""The local renderer draws what the prompt says: coat colours, time of day, rain, animals.

Every test renders a real clip and reads pixels of its poster (the JPEG the site shows) or of frames
ffmpeg decodes from it.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pytest
from PIL import Image

from app.media.frames import poster
from app.providers.video.base import RenderRequest
from app.providers.video.local import render_clip

#: rows above the caption band, where the picture is
PICTURE = slice(0, 300)


@pytest.fixture
def clip(tmp_path):
    """clip(prompt, bible=None, seed=7, duration=0.6) -> path of a rendered 640x360 clip (frames 0–13)."""
    made = []

    def render(prompt: str, bible: dict | None = None, *, seed: int = 7, duration: float = 0.6):
        bible = {"action": prompt} if bible is None else bible
        path = tmp_path / f"clip{len(made)}.mp4"
        made.append(render_clip(RenderRequest(prompt=prompt, seed=seed, duration=duration, bible=bible), path))
        return path

    return render


def poster_pixels(path) -> np.ndarray:
    """The clip's poster as an (h, w, 3) array, read back from the JPEG."""
    still = poster(path, path.with_suffix(".jpg"))
    return np.asarray(Image.open(still).convert("RGB"))


def hue_mask(pixels: np.ndarray, hues: tuple[float, float], *, saturation: int = 110, value: int = 50) -> np.ndarray:
    """Pixels whose hue (degrees, may wrap past 360) lies in ``hues`` and that are coloured, not grey or black."""
    hsv = np.asarray(Image.fromarray(pixels).convert("HSV")).astype(np.float32)
    degrees = hsv[..., 0] * 360 / 255
    low, high = hues
    in_range = (degrees >= low) & (degrees <= high) if high <= 360 else (degrees >= low) | (degrees <= high - 360)
    return in_range & (hsv[..., 1] >= saturation) & (hsv[..., 2] >= value)


RED, BLUE, GREEN, FOX, YELLOW = (345, 375), (205, 250), (90, 160), (14, 34), (45, 65)


def box_of(mask: np.ndarray) -> tuple[float, float]:
    """(width, height) of the box holding the middle 96 % of ``mask``'s pixels (stray JPEG specks left out)."""
    rows, cols = np.nonzero(mask)
    width = np.percentile(cols, 98) - np.percentile(cols, 2)
    return float(width) + 1, float(np.percentile(rows, 98) - np.percentile(rows, 2)) + 1


def luma(pixels: np.ndarray) -> float:
    return float((pixels[PICTURE].astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)).mean())


def test_unnamed_woman_in_red_coat_stands_in_the_frame_in_red(clip):
    """"A woman in a bright red coat" with no Bible entry is a standing figure whose coat is red in the poster."""
    pixels = poster_pixels(clip("A woman in a bright red coat stands in a field at noon."))
    red = hue_mask(pixels, RED)[PICTURE]
    assert red.mean() > 0.01
    width, height = box_of(red)
    assert height > width  # a standing figure's coat, not a red sky or field
    assert hue_mask(pixels, BLUE)[PICTURE].mean() < 0.002


def test_a_blue_coat_is_blue_and_not_red(clip, decode_frame):
    """The same woman in a blue coat puts blue, not red, where the coat is, in a decoded frame."""
    frame = decode_frame(clip("A woman in a blue coat stands in a field at noon."), 12)
    assert hue_mask(frame, BLUE)[PICTURE].mean() > 0.01
    assert hue_mask(frame, RED)[PICTURE].mean() < 0.002


def test_night_is_much_darker_than_noon_with_dusk_and_dawn_between(clip, decode_frame):
    """The same shot at night is under half as bright as at noon; dusk and dawn fall between the two."""
    brightness = {
        when: luma(decode_frame(clip(f"A woman in a red coat stands in a field {when}."), 12))
        for when in ("at noon", "at dusk", "at dawn", "at night")
    }
    assert brightness["at night"] < 0.5 * brightness["at noon"]
    for between in ("at dusk", "at dawn"):
        assert brightness["at night"] + 15 < brightness[between] < brightness["at noon"] - 15


def test_the_prompts_time_of_day_beats_the_locations(clip):
    """A Bible location kept from a sunny segment does not make "at night" bright (the poster is dark)."""
    bible = {"location": {"id": "L1", "name": "Green hill", "attributes": {"time": "day"}},
             "action": "The woman waits on the rooftop at night."}
    night = luma(poster_pixels(clip("The woman waits on the rooftop at night.", bible)))
    bible_day = {**bible, "action": "The woman waits on the rooftop."}
    day = luma(poster_pixels(clip("The woman waits on the rooftop.", bible_day)))
    assert night < 0.5 * day


def streaks(frame: np.ndarray) -> np.ndarray:
    """Thin bright marks: pixels much brighter than the pixels 3 columns to either side."""
    y = frame[PICTURE].astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    centre = y[:, 3:-3]
    return (centre > y[:, :-6] + 25) & (centre > y[:, 6:] + 25)


def test_rain_is_visible_as_falling_streaks(clip, decode_frame):
    """"In the rain" covers the frame with thin bright streaks that move from frame to frame."""
    dry = clip("A woman in a red coat stands on a rooftop at night.")
    wet = clip("A woman in a red coat stands on a rooftop at night in the rain.", duration=0.8)
    dry_streaks = streaks(decode_frame(dry, 12)).mean()
    wet_frame, later = decode_frame(wet, 12), decode_frame(wet, 18)
    assert streaks(wet_frame).mean() > 0.004
    assert streaks(wet_frame).mean() > 4 * dry_streaks
    moved = streaks(wet_frame) != streaks(later)
    assert moved.mean() > 0.004


def test_a_fox_prompt_draws_a_fox_not_a_person(clip, decode_frame):
    """"A fox" is a low, long orange silhouette on the ground, wider than tall, with no standing figure."""
    frame = decode_frame(clip("A fox trots across the field at noon."), 12)
    orange = hue_mask(frame, FOX, saturation=140)[PICTURE]
    assert orange.mean() > 0.004
    width, height = box_of(orange)
    assert width > 1.3 * height
    rows = np.nonzero(orange)[0]
    assert rows.mean() > 150  # on the ground, below the horizon
    person = decode_frame(clip("A woman in an orange coat stands in the field at noon."), 12)
    coat_width, coat_height = box_of(hue_mask(person, FOX, saturation=140)[PICTURE])
    assert coat_height > coat_width


def test_a_bible_character_the_prompt_calls_a_fox_is_drawn_as_one(clip, decode_frame):
    """"Detective Juniper, in a brown coat, is a clever fox": the Bible's Juniper is a fox, not a person."""
    prompt = "Detective Juniper, in a brown coat, is a clever fox who sniffs a paw print on Willow Street."
    bible = {"location": {"id": "L1", "name": "Willow Street", "attributes": {}},
             "characters": [{"id": "C1", "name": "Detective Juniper", "attributes": {"coat": "brown"}}],
             "props": [], "style": None, "action": prompt}
    frame = decode_frame(clip(prompt, bible, seed=3), 12)
    orange = hue_mask(frame, FOX, saturation=140)[PICTURE]
    assert orange.mean() > 0.004
    width, height = box_of(orange)
    assert width > 1.3 * height


def test_the_prompt_dresses_a_bible_character(clip, decode_frame):
    """Mara's Bible says coat: red and raincoat: green; in the rain she wears green, and "in a blue jacket" blue."""
    mara = {"id": "C1", "name": "Mara", "attributes": {"coat": "red", "raincoat": "green"}}

    def bible(action):
        return {"location": None, "characters": [mara], "props": [], "style": None, "action": action}

    rain = "Mara crosses the rooftop at noon in the rain."
    frame = decode_frame(clip(rain, bible(rain)), 12)
    assert hue_mask(frame, GREEN)[PICTURE].mean() > 0.01
    assert hue_mask(frame, RED)[PICTURE].mean() < 0.002
    blue = "Mara, in a blue jacket, crosses the square at noon."
    frame = decode_frame(clip(blue, bible(blue)), 12)
    assert hue_mask(frame, BLUE)[PICTURE].mean() > 0.01
    assert hue_mask(frame, RED)[PICTURE].mean() < 0.002


def test_the_red_coat_stays_red_at_night_in_the_rain(clip):
    """The issue's own case: the woman on a rooftop at night in the rain is drawn, in a coat still red."""
    pixels = poster_pixels(clip("A woman in a bright red coat stands on a rooftop at night in the rain."))
    red = hue_mask(pixels, RED, saturation=170, value=40)[PICTURE]
    assert red.mean() > 0.005
    width, height = box_of(red)
    assert height > width


def test_an_object_the_prompt_names_is_drawn_in_its_colour(clip, decode_frame):
    """"Holds a bright yellow umbrella" puts a yellow umbrella in the frame; without it there is no yellow."""
    frame = decode_frame(clip("A girl in a blue coat holds a bright yellow umbrella in a field at noon."), 12)
    plain = decode_frame(clip("A girl in a blue coat stands in a field at noon."), 12)
    assert hue_mask(frame, YELLOW)[PICTURE].mean() > 0.003
    assert hue_mask(plain, YELLOW)[PICTURE].mean() < 0.0005


def test_snow_falls_and_fog_softens(clip, decode_frame):
    """Snow whitens the ground and puts flakes in the sky; fog lowers the picture's contrast."""
    clear = decode_frame(clip("A man walks through the forest at noon."), 12)
    snow = decode_frame(clip("A man walks through the forest at noon as snow falls."), 12)
    fog = decode_frame(clip("A man walks through the misty forest at noon."), 12)
    ground = slice(250, 300)
    assert luma(snow[ground]) > luma(clear[ground]) + 40
    white = (snow[:150].min(axis=-1) > 225).mean()
    assert white > 5 * max((clear[:150].min(axis=-1) > 225).mean(), 0.0005)
    contrast = [float(f[PICTURE].astype(np.float32).std()) for f in (clear, fog)]
    assert contrast[1] < 0.8 * contrast[0]


def test_prompt_drawings_are_deterministic(clip):
    """The same prompt, with people, animals and rain, renders to the same bytes twice."""
    prompt = "Two children in yellow raincoats chase a dog past a black cat at dusk in the rain."
    first, second = clip(prompt, duration=0.5), clip(prompt, duration=0.5)
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()
