"""The director's cut: a scene's branch stitched into one titled, credited MP4.

Playback and downloads never re-encode (segment HLS playlists, stream-copy
concat). The director's cut is the one export that composes, so it goes
through moviepy and re-encodes everything:

    title card ─d─ segment 1 ─d─ segment 2 … segment n ─d─ closing credits

Each piece dissolves into the next over ``d = crossfade_seconds``: the
incoming piece starts ``d`` before the outgoing one ends and fades in on top
of it. Every segment carries a lower-third naming its author for its first
:data:`LOWER_THIRD_SECONDS`. With ``n`` segments there are ``n + 1``
transitions, so the cut lasts (see :func:`planned_duration`)::

    title_seconds + sum(segment durations) + credits_seconds - d * (n + 1)

Text is drawn with Pillow (a DejaVu font when the system has one, else
Pillow's built-in font) and placed as images, so no font setup is needed.
The soundtrack is the segments' own audio, dissolving with the pictures, over
silence under the title and credits; the output is always H.264 yuv420p with
one AAC 48 kHz stereo track and ``+faststart``.
"""
from __future__ import annotations

import tempfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import proglog
from moviepy import (
    AudioClip,
    CompositeAudioClip,
    CompositeVideoClip,
    ImageClip,
    VideoFileClip,
    afx,
    concatenate_videoclips,
    vfx,
)
from PIL import Image, ImageDraw, ImageFont

from app.media.ffmpeg import MediaError, atomic_output, require_file, stderr_tail

#: called with (fraction done 0..1, readable text such as "stitching 3 s of 14 s")
ProgressCallback = Callable[[float, str], None]

#: how long a segment's lower-third stays up, and how long it takes to fade in or out
LOWER_THIRD_SECONDS = 2.5
LOWER_THIRD_FADE = 0.3
AUDIO_RATE = 48_000
AUDIO_BITRATE = "128k"
CRF = 20
THREADS = 2
#: share of the progress bar spent mixing the soundtrack before the first frame is stitched
_AUDIO_SHARE = 0.05
_BLACK = (0, 0, 0)

RGB = tuple[int, int, int]

#: (top-left, bottom-right, accent) for the title and credits backgrounds; a scene always gets the same one
PALETTES: tuple[tuple[RGB, RGB, RGB], ...] = (
    ((16, 20, 52), (78, 30, 90), (255, 196, 92)),      # midnight to plum, gold
    ((6, 42, 58), (22, 22, 64), (120, 222, 210)),      # deep teal to navy, aqua
    ((44, 12, 32), (118, 44, 30), (255, 176, 112)),    # wine to ember, peach
    ((10, 38, 32), (34, 30, 72), (186, 232, 140)),     # pine to indigo, lime
)


@dataclass(frozen=True)
class CutClip:
    """One segment of the cut: a house-format MP4 and who wrote it. ``caption`` travels with
    the segment for callers (chapter lists, descriptions); the cut does not draw it."""

    path: Path
    author: str
    caption: str = ""


@dataclass(frozen=True)
class CutPlan:
    """What goes into a director's cut, in order. ``characters`` are the Scene Bible's
    main characters ("C1 Mara"); the credits show them without the id."""

    title: str
    topic: str
    clips: Sequence[CutClip]
    contributors: Sequence[str]
    characters: Sequence[str] = ()
    width: int = 640
    height: int = 360
    fps: int = 24
    title_seconds: float = 3.0
    crossfade_seconds: float = 0.5
    credits_seconds: float = 4.0


def planned_duration(plan: CutPlan, clip_durations: Sequence[float]) -> float:
    """Length in seconds of the cut of ``plan`` whose segments last ``clip_durations``.

    Title, segments and credits play back to back, each of the ``n + 1``
    transitions overlapping two pieces by ``crossfade_seconds``:
    ``title + sum(clips) + credits - crossfade * (n + 1)``.
    """
    if len(clip_durations) != len(plan.clips):
        raise ValueError(f"the plan has {len(plan.clips)} segments but {len(clip_durations)} durations were given")
    transitions = len(clip_durations) + 1
    return plan.title_seconds + sum(clip_durations) + plan.credits_seconds - plan.crossfade_seconds * transitions


def make_directors_cut(
    plan: CutPlan,
    dest: Path,
    *,
    on_progress: ProgressCallback | None = None,
    preset: str = "veryfast",
) -> Path:
    """Write the director's cut of ``plan`` to ``dest`` and return ``dest``.

    The file lasts :func:`planned_duration` of the segments' durations and only
    appears under ``dest`` once it is complete. Raises :class:`MediaError` when
    the plan has no segments, a segment cannot be read or is too short for its
    crossfades, or the encode fails; ``ValueError`` when the plan's numbers are
    impossible (odd size, a negative crossfade, a title or credits no longer than the crossfade).
    """
    _check_plan(plan)
    report = on_progress or _ignore_progress
    count = len(plan.clips)
    report(0.0, f"opening {count} segment{'s' if count != 1 else ''}")
    palette = PALETTES[zlib.crc32(f"{plan.title}\n{plan.topic}".encode()) % len(PALETTES)]
    size = (plan.width, plan.height)
    fade = plan.crossfade_seconds

    with ExitStack() as closing:
        segments = [closing.enter_context(_opened_segment(clip, number, plan)) for number, clip in
                    enumerate(plan.clips, start=1)]
        total = planned_duration(plan, [segment.duration for segment in segments])

        title = ImageClip(_title_card(plan, palette)).with_duration(plan.title_seconds)
        credits = ImageClip(_credits_card(plan, palette)).with_duration(plan.credits_seconds)
        pieces = [title]
        for number, (clip, segment) in enumerate(zip(plan.clips, segments, strict=True), start=1):
            pieces.append(_with_lower_third(_fit(segment.without_audio(), size), number, clip.author, palette, fade))
        pieces.append(credits)
        if fade > 0:
            pieces = [pieces[0], *(piece.with_effects([vfx.CrossFadeIn(fade)]) for piece in pieces[1:])]
        # a background colour keeps the composite opaque: no alpha plane reaches the encoder
        video = concatenate_videoclips(pieces, method="compose", padding=-fade, bg_color=_BLACK)
        cut = closing.enter_context(video.with_audio(_soundtrack(segments, video.start_times[1:-1], total, fade)))

        with atomic_output(Path(dest)) as temp, tempfile.TemporaryDirectory(prefix="directors-cut-") as work:
            logger = _ProgressForwarder(report, total, plan.fps) if on_progress else None
            try:
                cut.write_videofile(
                    str(temp),
                    fps=plan.fps,
                    codec="libx264",
                    preset=preset,
                    threads=THREADS,
                    audio_codec="aac",
                    audio_fps=AUDIO_RATE,
                    audio_bitrate=AUDIO_BITRATE,
                    temp_audiofile=str(Path(work) / "soundtrack.m4a"),
                    ffmpeg_params=[
                        # the frames arrive as RGB; encode them as BT.709 video, like every house segment
                        "-vf", "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p",
                        "-crf", str(CRF), "-pix_fmt", "yuv420p",
                        "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
                        "-color_range", "tv",
                        "-movflags", "+faststart", "-f", "mp4",
                    ],
                    logger=logger,
                )
            except OSError as exc:
                raise MediaError(f"director's cut of {plan.title!r}: the encode failed", stderr_tail(str(exc))) from exc
            if not temp.is_file() or temp.stat().st_size == 0:
                raise MediaError(f"director's cut of {plan.title!r}: the encoder wrote nothing")
    report(1.0, f"director's cut ready ({_seconds(total)} s)")
    return Path(dest)


# --- the timeline -------------------------------------------------------------------------------


def _check_plan(plan: CutPlan) -> None:
    if not plan.clips:
        raise MediaError("the director's cut needs at least one segment, and this plan has none")
    problems = []
    if plan.width <= 0 or plan.height <= 0 or plan.width % 2 or plan.height % 2:
        problems.append(f"size {plan.width}x{plan.height} must be positive and even")
    if plan.fps <= 0:
        problems.append(f"fps {plan.fps} must be positive")
    if plan.crossfade_seconds < 0:
        problems.append(f"crossfade {plan.crossfade_seconds} s must not be negative")
    for name in ("title_seconds", "credits_seconds"):
        if getattr(plan, name) <= plan.crossfade_seconds:
            problems.append(f"{name} {getattr(plan, name)} s must be longer than the crossfade")
    if problems:
        raise ValueError("cannot make this director's cut: " + "; ".join(problems))


@contextmanager
def _opened_segment(clip: CutClip, number: int, plan: CutPlan) -> Iterator[VideoFileClip]:
    """The segment as a VideoFileClip with its audio read at 48 kHz, closed when the block ends."""
    path = require_file(Path(clip.path), f"director's cut segment {number}")
    try:
        segment = VideoFileClip(str(path), audio_fps=AUDIO_RATE)
    except (OSError, KeyError, IndexError, ValueError) as exc:
        raise MediaError(
            f"director's cut segment {number} ({path.name}) is not a readable video; "
            "render it again or leave it out of the cut",
            stderr_tail(str(exc)),
        ) from exc
    try:
        # the segment fades in and is faded out of, and the two dissolves must not overlap
        if not segment.duration or segment.duration < 2 * plan.crossfade_seconds:
            raise MediaError(
                f"director's cut segment {number} ({path.name}) lasts {segment.duration or 0:.2f} s, too short "
                f"for {plan.crossfade_seconds:g} s crossfades at both ends"
            )
        yield segment
    finally:
        # moviepy 2.2 leaves the pipes of an ffmpeg reader that already exited open until garbage collection
        readers = (segment.reader, getattr(segment.audio, "reader", None))
        processes = [getattr(reader, "proc", None) for reader in readers]
        segment.close()
        for process in filter(None, processes):
            for pipe in (process.stdout, process.stderr):
                if pipe is not None:
                    pipe.close()


def _fit(clip: VideoFileClip, size: tuple[int, int]):
    """The clip itself when it has the cut's size, else scaled to fit and centred on black."""
    if tuple(clip.size) == size:
        return clip
    scale = min(size[0] / clip.size[0], size[1] / clip.size[1])
    return CompositeVideoClip([clip.resized(scale).with_position("center")], size=size, bg_color=_BLACK)


def _soundtrack(segments: Sequence[VideoFileClip], starts: Sequence[float], total: float, fade: float):
    """The segments' audio at their places on the timeline, dissolving like the pictures, over silence."""
    tracks = [AudioClip(_silence, duration=total, fps=AUDIO_RATE)]
    for segment, start in zip(segments, starts, strict=True):
        if segment.audio is None:
            continue
        audio = segment.audio
        if fade > 0:
            audio = audio.with_effects([afx.AudioFadeIn(fade), afx.AudioFadeOut(fade)])
        tracks.append(audio.with_start(float(start)))
    return CompositeAudioClip(tracks).with_duration(total)


def _silence(t):
    return np.zeros((len(t), 2)) if np.ndim(t) else np.zeros(2)


class _ProgressForwarder(proglog.ProgressBarLogger):
    """Turns moviepy's progress bars into ``on_progress`` calls: once while the soundtrack
    is mixed, then once per second of stitched video."""

    def __init__(self, report: ProgressCallback, total: float, fps: int):
        super().__init__(logged_bars=None)  # nothing kept in memory: the state is forwarded, not logged
        self.report = report
        self.total = total
        self.fps = fps
        self.last_second: int | None = None

    def bars_callback(self, bar, attr, value, old_value=None):
        if attr != "index":
            return
        if bar == "chunk" and value == 0:
            self.report(0.0, "mixing the soundtrack")
        elif bar == "frame_index":
            frames = self.bars[bar]["total"] or 1
            second = int(value / self.fps)
            if second != self.last_second:
                self.last_second = second
                fraction = _AUDIO_SHARE + (1 - _AUDIO_SHARE) * min(1.0, value / frames)
                self.report(min(fraction, 0.99), f"stitching {second} s of {_seconds(self.total)} s")


def _ignore_progress(fraction: float, text: str) -> None:
    return None


# --- title, lower-thirds, credits ----------------------------------------------------------------


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans when the system has it, else Pillow's built-in font at ``size``."""
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf", size)
    except OSError:
        pass
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError, OSError):  # Pillow without FreeType only has the small bitmap font
        return ImageFont.load_default()


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


def _title_card(plan: CutPlan, palette: tuple[RGB, RGB, RGB]) -> np.ndarray:
    width, height = plan.width, plan.height
    image = _background(width, height, palette)
    draw = ImageDraw.Draw(image)
    title_font = _fitting_font(plan.title or "Untitled scene", width * 0.84, round(height / 8.5), bold=True)
    title_lines = _wrap(plan.title or "Untitled scene", title_font, width * 0.84, max_lines=2)
    topic_font = _font(max(10, round(height / 22)))
    topic = _truncate(plan.topic.upper(), topic_font, width * 0.8)
    title_step = round(_line_height(title_font) * 1.1)
    rule_gap = round(height / 28)
    block = title_step * len(title_lines) + 2 * rule_gap + (_line_height(topic_font) if topic else 0)
    y = (height - block) / 2
    for line in title_lines:
        _centered_text(draw, line, title_font, y, width, (255, 255, 255), shadow=max(1, height // 180))
        y += title_step
    y += rule_gap * 0.6
    rule = width * 0.09
    draw.rectangle((width / 2 - rule, y, width / 2 + rule, y + max(2, height // 180)), fill=palette[2])
    y += rule_gap * 1.4
    if topic:
        _centered_text(draw, topic, topic_font, y, width, _mix(palette[2], (255, 255, 255), 0.5))
    return np.asarray(image)


def _credits_card(plan: CutPlan, palette: tuple[RGB, RGB, RGB]) -> np.ndarray:
    width, height = plan.width, plan.height
    image = _background(width, height, palette, dim=0.8)
    draw = ImageDraw.Draw(image)
    heading_font = _font(max(10, round(height / 24)), bold=True)
    name_font = _font(max(12, round(height / 17)))
    sections = [
        ("WRITTEN BY", list(plan.contributors)),
        ("STARRING", [_character_name(character) for character in plan.characters]),
    ]
    sections = [(heading, names) for heading, names in sections if any(names)]
    if not sections:
        sections = [("A STORYFORGE SCENE", [plan.title or "Untitled scene"])]
    lines_each = 3 if len(sections) > 1 else 6
    laid_out = [(heading, _wrap_names(names, name_font, width * 0.84, lines_each)) for heading, names in sections]
    heading_step = round(_line_height(heading_font) * 1.6)
    name_step = round(_line_height(name_font) * 1.35)
    gap = round(height / 10)
    block = sum(heading_step + name_step * len(lines) for _, lines in laid_out) + gap * (len(laid_out) - 1)
    y = (height - block) / 2
    for heading, lines in laid_out:
        _centered_text(draw, heading, heading_font, y, width, palette[2])
        y += heading_step
        for line in lines:
            _centered_text(draw, line, name_font, y, width, (255, 255, 255), shadow=1)
            y += name_step
        y += gap
    return np.asarray(image)


def _with_lower_third(clip, number: int, author: str, palette: tuple[RGB, RGB, RGB], fade: float):
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
        opacity = _smoothstep(min(t, shown - t) / ramp)
        x = left - round((1 - opacity) * width * 0.03)
        right = min(width, x + band_width)
        out = frame.copy()  # the reader hands out its own buffer: never draw on it
        region = out[top:bottom, x:right].astype(np.float32)
        weight = alpha[:, : right - x] * opacity
        out[top:bottom, x:right] = (region * (1 - weight) + colour[:, : right - x] * weight).astype(np.uint8)
        return out

    return clip.transform(overlay)


def _lower_third_band(number: int, author: str, palette: tuple[RGB, RGB, RGB], width: int, height: int) -> np.ndarray:
    label_font = _font(max(10, round(height / 24)), bold=True)
    text_font = _font(max(10, round(height / 24)))
    label = f"Segment {number}"
    byline = _truncate(f" · written by {author}", text_font, width * 0.6) if author.strip() else ""
    pad_x, pad_y = round(height / 30), round(height / 55)
    accent_bar = max(3, height // 110)
    text_width = label_font.getlength(label) + (text_font.getlength(byline) if byline else 0)
    band_width = min(round(width * 0.9), round(accent_bar + 2 * pad_x + text_width))
    band_height = _line_height(label_font) + 2 * pad_y
    band = Image.new("RGBA", (band_width, band_height), (10, 12, 22, 165))
    draw = ImageDraw.Draw(band)
    draw.rectangle((0, 0, accent_bar - 1, band_height), fill=(*palette[2], 255))
    x = accent_bar + pad_x
    draw.text((x, pad_y), label, font=label_font, fill=(*palette[2], 255))
    if byline:
        draw.text((x + label_font.getlength(label), pad_y), byline, font=text_font, fill=(255, 255, 255, 255))
    return np.asarray(band)


# --- text helpers -------------------------------------------------------------------------------


def _centered_text(draw: ImageDraw.ImageDraw, text: str, font, y: float, width: int, fill: RGB,
                   shadow: int = 0) -> None:
    x = (width - font.getlength(text)) / 2
    if shadow:
        draw.text((x + shadow, y + shadow), text, font=font, fill=(0, 0, 0))
    draw.text((x, y), text, font=font, fill=fill)


def _line_height(font) -> int:
    return font.getbbox("Ag")[3]


def _fitting_font(text: str, max_width: float, size: int, *, bold: bool):
    """The largest font up to ``size`` that fits ``text`` on two lines of ``max_width``."""
    while size > 14:
        font = _font(size, bold)
        if font.getlength(text) <= 2 * max_width * 0.9:
            return font
        size -= 2
    return _font(size, bold)


def _wrap(text: str, font, max_width: float, *, max_lines: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(candidate) <= max_width:
            lines[-1] = candidate
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [" ".join(lines[max_lines - 1:])]
    return [_truncate(line, font, max_width) for line in lines] or [""]


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
                lines.append(_truncate(item, font, max_width))
        if len(lines) <= max_lines:
            return lines
    return [f"{len(names)} people"]


def _truncate(text: str, font, max_width: float) -> str:
    if font.getlength(text) <= max_width:
        return text
    while text and font.getlength(text + "…") > max_width:
        text = text[:-1]
    return text.rstrip() + "…"


def _character_name(character: str) -> str:
    """ "C1 Mara" → "Mara": the credits name characters, not their Bible ids."""
    head, _, rest = character.strip().partition(" ")
    if rest and head[:1] == "C" and head[1:].isdigit():
        return rest.strip()
    return character.strip()


def _mix(a: RGB, b: RGB, share: float) -> RGB:
    return tuple(round(x * (1 - share) + y * share) for x, y in zip(a, b, strict=True))


def _smoothstep(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


def _seconds(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"
