"""Continuity scoring: how seamlessly a rendered segment follows its parent and its scene.

Pure numpy + Pillow on still frames (JPEG/PNG bytes as :mod:`app.media.frames` returns them),
plus :func:`colour_match`, which re-grades a clip towards a reference frame with ffmpeg.
No Flask, no database: the pipeline passes frames and Scene Bible entities in and stores
:meth:`ContinuityScore.to_dict` wherever it likes.

A segment's score has up to three parts, each 0..1 (1 = seamless):

- **join** — :func:`similarity` of the segment's first frame to the parent's last frame
  (absent for the first segment of a scene);
- **colour** — ``1 - min(1, drift / DRIFT_SCALE)`` where drift is the CIE76 ΔE between the
  mean Lab colour of the segment's middle frame and of the scene's first segment
  (absent for the first segment);
- **entities** — for each Bible entity with a colour on record ("coat: red", "hair: blonde"),
  how much of each recorded colour family the frames show, against how much the parent's last
  frame (the entity's reference still) showed: a coat that stays red keeps its share of red
  pixels, one that turns green loses it. Measured from pixels alone (hue, saturation,
  value classes), so it judges clips from any generator, not the colour a renderer meant to
  paint (absent when no entity has a recorded colour).

The overall score is the weighted average of the parts that are present, with the weights in
:data:`WEIGHTS`; with no part present (a first segment without entities) it is 1.0.
"""
from __future__ import annotations

import io
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from app.media.colours import families_of
from app.media.ffmpeg import DEFAULT_TIMEOUT, MediaError, atomic_output, require_file, run_ffmpeg
from app.media.probe import probe

#: frames are compared at this size: enough for colour and layout, cheap for numpy
FRAME_SIZE = (160, 90)
#: ΔE at or above which the colour part of the score is 0
DRIFT_SCALE = 50.0
#: default ΔE above which a segment is flagged as drifting from its scene
DRIFT_THRESHOLD = 12.0
#: weights of the score's parts; parts that are absent are left out of the average
WEIGHTS = {"join": 0.4, "colour": 0.4, "entities": 0.2}
#: fraction of pixels in an entity's signature colour that counts as fully present
PRESENCE_SATURATION = 0.01
#: per-channel gain limits for colour_match, so a bad sample cannot blow a clip out
MIN_GAIN, MAX_GAIN = 0.5, 2.0
#: a mean absolute pixel difference of this fraction of full scale counts as "nothing alike"
_MAD_SCALE = 0.5
_HIST_BINS = 16

# D65 white point and the sRGB -> XYZ matrix (IEC 61966-2-1)
_WHITE = np.array([0.95047, 1.0, 1.08883])
_RGB_TO_XYZ = np.array([
    [0.4124564, 0.3575761, 0.1804375],
    [0.2126729, 0.7151522, 0.0721750],
    [0.0193339, 0.1191920, 0.9503041],
])


@dataclass(frozen=True)
class ContinuityScore:
    """How well one segment continues its parent and scene; see the module docstring for the parts."""

    score: float
    #: this segment's first frame vs the parent's last frame (None for a first segment)
    first_frame_similarity: float | None
    #: CIE76 ΔE between this segment's mean Lab colour and the scene's first segment's (None for a first segment)
    colour_drift: float | None
    #: entity id -> 0..1, how strongly its signature colour is present
    entity_matches: dict[str, float] = field(default_factory=dict)
    #: colour drift above the threshold
    flagged: bool = False
    #: the clip was colour-matched after scoring
    corrected: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field."""
        data = asdict(self)
        data["entity_matches"] = dict(self.entity_matches)
        return data


# --- frames -------------------------------------------------------------------------------------


def frame_array(jpeg_or_png: bytes, size: tuple[int, int] = FRAME_SIZE) -> np.ndarray:
    """Decode image bytes to an RGB float32 array (h, w, 3) of 0..255, downscaled to ``size`` (w, h)."""
    try:
        with Image.open(io.BytesIO(jpeg_or_png)) as image:
            image = image.convert("RGB")
            if size is not None and image.size != tuple(size):
                image = image.resize(tuple(size), Image.Resampling.BOX)
            return np.asarray(image, dtype=np.float32)
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"not a readable image: {exc}") from exc


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """0..1 likeness of two frames of the same shape; identical frames give 1.

    The mean of a pixel term, ``1 - min(1, MAD / (0.5 * 255))`` on the mean absolute
    difference, and a colour term, the per-channel 16-bin histogram intersection.
    """
    a, b = _rgb(a), _rgb(b)
    if a.shape != b.shape:
        raise ValueError(f"frames differ in shape: {a.shape} vs {b.shape}")
    mad = float(np.mean(np.abs(a - b))) / 255.0
    pixel = 1.0 - min(1.0, mad / _MAD_SCALE)
    overlap = []
    for channel in range(3):
        ha = np.histogram(a[..., channel], bins=_HIST_BINS, range=(0, 256))[0].astype(np.float64)
        hb = np.histogram(b[..., channel], bins=_HIST_BINS, range=(0, 256))[0].astype(np.float64)
        overlap.append(np.minimum(ha / ha.sum(), hb / hb.sum()).sum())
    histogram = float(np.mean(overlap))
    return _clamp01(0.5 * pixel + 0.5 * histogram)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB values 0..255 (any shape ending in 3) to CIE Lab under D65."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = linear @ _RGB_TO_XYZ.T / _WHITE
    delta = 6 / 29
    f = np.where(xyz > delta**3, np.cbrt(xyz), xyz / (3 * delta**2) + 4 / 29)
    lightness = 116 * f[..., 1] - 16
    a = 500 * (f[..., 0] - f[..., 1])
    b = 200 * (f[..., 1] - f[..., 2])
    return np.stack([lightness, a, b], axis=-1)


def mean_lab(frame: np.ndarray) -> np.ndarray:
    """The mean Lab colour of a frame (each pixel converted, then averaged)."""
    return rgb_to_lab(_rgb(frame)).reshape(-1, 3).mean(axis=0)


def colour_drift(frame: np.ndarray, reference: np.ndarray) -> float:
    """CIE76 ΔE between the mean Lab colours of ``frame`` and ``reference`` (0 = same overall colour)."""
    return float(np.linalg.norm(mean_lab(frame) - mean_lab(reference)))


def signature_presence(
    frame: np.ndarray, rgb: tuple[int, int, int], tolerance: float = 40.0,
    *, saturation: float = PRESENCE_SATURATION,
) -> float:
    """0..1: the fraction of pixels within ``tolerance`` (RGB distance) of ``rgb``, saturating at ``saturation``."""
    pixels = _rgb(frame)
    distance = np.linalg.norm(pixels - np.asarray(rgb, dtype=np.float32), axis=-1)
    fraction = float(np.mean(distance <= tolerance))
    return _clamp01(fraction / saturation)


#: a family covering this fraction of the frame's foreground counts as fully there when the reference lacks it
FAMILY_PRESENT = 0.005
#: below this share the reference still does not show a family (compare against FAMILY_PRESENT instead)
REFERENCE_SHOWS = 0.001
#: RGB distance from the border's median colour beyond which a pixel is foreground (where figures are)
FOREGROUND_DISTANCE = 60.0


def foreground(frame: np.ndarray) -> np.ndarray:
    """A mask of the pixels that stand out from the frame's border colour: where people and things are."""
    pixels = _rgb(frame)
    h, w = pixels.shape[:2]
    ring = max(1, int(min(h, w) * 0.08))
    border = np.concatenate([pixels[:ring].reshape(-1, 3), pixels[-ring:].reshape(-1, 3),
                             pixels[:, :ring].reshape(-1, 3), pixels[:, -ring:].reshape(-1, 3)])
    background = np.median(border, axis=0)
    return np.linalg.norm(pixels - background, axis=-1) > FOREGROUND_DISTANCE


def _hsv(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rgb = _rgb(frame) / 255.0
    high, low = rgb.max(axis=-1), rgb.min(axis=-1)
    chroma = high - low
    safe = np.where(chroma > 1e-6, chroma, 1.0)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    hue = np.where(high == r, ((g - b) / safe) % 6, np.where(high == g, (b - r) / safe + 2, (r - g) / safe + 4)) * 60
    saturation = np.where(high > 1e-6, chroma / np.maximum(high, 1e-6), 0.0)
    return hue, saturation, high


def family_share(frame: np.ndarray, family: str) -> float:
    """The fraction of a frame's pixels that are foreground and in a colour ``family`` ("red", "blonde", ...)."""
    hue, sat, val = _hsv(frame)
    ahead = foreground(frame)
    chromatic = (sat >= 0.35) & (val >= 0.25)
    hues = {"red": (hue < 15) | (hue >= 340), "orange": (hue >= 15) & (hue < 40), "yellow": (hue >= 40) & (hue < 70),
            "green": (hue >= 70) & (hue < 170), "blue": (hue >= 170) & (hue < 255),
            "purple": (hue >= 255) & (hue < 300), "pink": (hue >= 300) & (hue < 340)}
    if family in hues:
        mask = chromatic & hues[family]
    elif family in ("gold", "blonde", "khaki"):
        mask = (sat >= 0.2) & (val >= 0.45) & (hue >= 30) & (hue < 65)
    elif family == "brown":
        mask = (sat >= 0.25) & (val >= 0.12) & (val < 0.6) & (hue >= 10) & (hue < 45)
    elif family == "black":
        mask = val < 0.18
    elif family == "white":
        mask = (sat < 0.12) & (val > 0.85)
    elif family == "grey":
        mask = (sat < 0.12) & (val >= 0.18) & (val <= 0.85)
    else:
        return 0.0
    return float(np.mean(mask & ahead))


def recorded_families(entity: dict[str, Any]) -> list[str]:
    """The colour families an entity's Bible attributes name, in order ("red wool" → red)."""
    found: list[str] = []
    for value in (entity.get("attributes") or {}).values():
        for word in str(value).casefold().replace("-", " ").split():
            for family in sorted(families_of(word)):
                if family not in found:
                    found.append(family)
    return found


def entity_match(frames: list[np.ndarray], reference: np.ndarray | None, entity: dict[str, Any]) -> float | None:
    """0..1: how well the frames keep the entity's recorded colours (None when it has none on record).

    Shares are of the foreground (:func:`foreground`). Each recorded family counts
    ``min(1, share now / share in the reference still)`` when the reference shows it, else
    ``min(1, share now / FAMILY_PRESENT)``; the entity's match
    is the mean over its families, each taken from whichever frame shows it more.
    """
    families = recorded_families(entity)
    if not families:
        return None
    parts = []
    for family in families:
        now = max(family_share(frame, family) for frame in frames)
        before = family_share(reference, family) if reference is not None else 0.0
        parts.append(min(1.0, now / before) if before >= REFERENCE_SHOWS else min(1.0, now / FAMILY_PRESENT))
    return float(np.mean(parts))


# --- scoring ------------------------------------------------------------------------------------


def score_segment(
    *,
    first_frame: bytes,
    middle_frame: bytes,
    parent_last_frame: bytes | None,
    scene_first_frame: bytes | None,
    entities: list[dict[str, Any]],
    drift_threshold: float = DRIFT_THRESHOLD,
) -> ContinuityScore:
    """Score a segment from its first and middle frames against its parent and its scene's first segment.

    ``entities`` are Bible entities (``{"id", "name", "attributes"}``); each with a recorded colour is
    scored by :func:`entity_match` on the two frames against the parent's last frame.
    """
    first = frame_array(first_frame)
    middle = frame_array(middle_frame)
    parent = frame_array(parent_last_frame) if parent_last_frame is not None else None
    join = similarity(first, parent) if parent is not None else None
    drift = colour_drift(middle, frame_array(scene_first_frame)) if scene_first_frame is not None else None
    matches: dict[str, float] = {}
    for number, entity in enumerate(entities or []):
        key = str(entity.get("id") or entity.get("name") or number)
        match = entity_match([first, middle], parent, entity)
        if match is not None:
            matches[key] = round(match, 4)
    parts: dict[str, float] = {}
    if join is not None:
        parts["join"] = join
    if drift is not None:
        parts["colour"] = 1.0 - min(1.0, drift / DRIFT_SCALE)
    if matches:
        parts["entities"] = sum(matches.values()) / len(matches)
    total_weight = sum(WEIGHTS[name] for name in parts)
    score = sum(WEIGHTS[name] * value for name, value in parts.items()) / total_weight if parts else 1.0
    return ContinuityScore(
        score=round(score, 4),
        first_frame_similarity=None if join is None else round(join, 4),
        colour_drift=None if drift is None else round(drift, 3),
        entity_matches=matches,
        flagged=drift is not None and drift > drift_threshold,
    )


# --- correction ---------------------------------------------------------------------------------

#: words by which a prompt states that the light changes: a different look is then the story, not drift
LIGHT_CHANGES = re.compile(
    r"\b(?:night\s+(?:falls|comes|has\s+fallen)|at\s+(?:night|midnight|dusk|dawn|sunset|sunrise|twilight)|"
    r"(?:that|the\s+next|later\s+that)\s+(?:night|evening|morning)|(?:sun|lights?)\s+(?:sets?|go(?:es)?\s+out|rises?)|"
    r"darkness\s+falls|after\s+dark|by\s+(?:night|moonlight|candlelight|torchlight|lamplight)|"
    r"in\s+the\s+dark(?:ness)?|under\s+the\s+(?:moon|stars)|nightfall|the\s+storm\s+breaks)\b", re.I)


def correction_withheld(prompt: str, location_id: str | None, parent_location_id: str | None) -> str | None:
    """Why a drifting clip must not be colour-corrected: the Bible records a move to a new place, or
    the prompt states a change of light ("night falls"). None when correcting is right."""
    if location_id and parent_location_id and location_id != parent_location_id:
        return "a new place"
    if match := LIGHT_CHANGES.search(prompt or ""):
        return f"a stated change of light ({match.group(0)!r})"
    return None



def match_levels(sample: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel ``(gain, offset)`` that map ``sample``'s RGB mean/std onto ``reference``'s.

    ``corrected = gain * value + offset``; gains are clamped to 0.5..2 and the offset is
    recomputed for the clamped gain so the means still match.
    """
    sample = _rgb(sample).reshape(-1, 3).astype(np.float64)
    reference = _rgb(reference).reshape(-1, 3).astype(np.float64)
    s_mean, s_std = sample.mean(axis=0), sample.std(axis=0)
    r_mean, r_std = reference.mean(axis=0), reference.std(axis=0)
    gain = np.where(s_std > 1e-3, r_std / np.maximum(s_std, 1e-3), 1.0)
    gain = np.clip(gain, MIN_GAIN, MAX_GAIN)
    offset = r_mean - gain * s_mean
    return gain, offset


def colour_match(
    src: Path,
    dest: Path,
    *,
    reference_frame: bytes,
    sample_frame: bytes,
    preset: str = "veryfast",
    crf: int = 20,
    keyframe_seconds: float = 2,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Path:
    """Re-grade ``src`` so ``sample_frame`` (a frame of it) matches ``reference_frame``; write ``dest``.

    The per-channel gain/offset of :func:`match_levels` is applied with ffmpeg's ``lutrgb``;
    the video is re-encoded as H.264 yuv420p BT.709 (keyframe every ``keyframe_seconds``), any
    audio is copied, and ``dest`` only appears when the encode succeeded. Raises
    :class:`MediaError` when ``src`` is unreadable, a frame cannot be decoded or ffmpeg fails.
    """
    src = require_file(Path(src), "colour match")
    try:
        gain, offset = match_levels(frame_array(sample_frame), frame_array(reference_frame))
    except ValueError as exc:
        raise MediaError(f"colour match {src.name}: {exc}") from exc
    info = probe(src)
    gop = max(1, round((info.fps or 24) * keyframe_seconds))
    lut = ":".join(
        f"{name}='clip(val*{g:.5f}+({o:.3f}),0,255)'" for name, g, o in zip("rgb", gain, offset, strict=True)
    )
    video_filter = (
        "scale=in_color_matrix=auto:in_range=auto,format=gbrp,"
        f"lutrgb={lut},"
        "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p"
    )
    with atomic_output(Path(dest)) as temp:
        run_ffmpeg(
            [
                "-loglevel", "error", "-i", src,
                "-map", "0:v:0", "-map", "0:a?",
                "-vf", video_filter,
                "-c:v", "libx264", "-preset", preset, "-crf", str(crf),
                "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
                "-force_key_frames", f"expr:gte(t,n_forced*{keyframe_seconds:g})",
                "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
                "-c:a", "copy",
                "-movflags", "+faststart",
                "-f", "mp4", "-y", temp,
            ],
            what=f"colour match {src.name}",
            timeout=timeout,
        )
        if not temp.exists() or temp.stat().st_size == 0:
            raise MediaError(f"colour match {src.name}: ffmpeg wrote nothing")
    return Path(dest)


def _rgb(frame: np.ndarray) -> np.ndarray:
    array = np.asarray(frame, dtype=np.float32)
    if array.ndim != 3 or array.shape[-1] < 3:
        raise ValueError(f"expected an (h, w, 3) RGB frame, got shape {array.shape}")
    return array[..., :3]


def _clamp01(value: float) -> float:
    return float(min(1.0, max(0.0, value)))
