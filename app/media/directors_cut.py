"""The director's cut: a scene's branch stitched into one titled, credited MP4.

Playback and downloads never re-encode (segment HLS playlists, stream-copy
concat). The director's cut is the one export that composes, so it goes
through moviepy and re-encodes everything:

    title card ─d─ segment 1 ─d─ segment 2 … segment n ─d─ closing credits

Each piece dissolves into the next over ``d = crossfade_seconds``: the
incoming piece starts ``d`` before the outgoing one ends and fades in on top
of it. Every segment carries a lower-third naming its author for its first
:data:`app.media.titles.LOWER_THIRD_SECONDS`. With ``n`` segments there are ``n + 1``
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
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
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

from app.media.ffmpeg import MediaError, atomic_output, require_file, stderr_tail
from app.media.text import seconds
from app.media.titles import credits_card, palette_of, title_card, with_lower_third

#: called with (fraction done 0..1, readable text such as "stitching 3 s of 14 s")
ProgressCallback = Callable[[float, str], None]

AUDIO_RATE = 48_000
AUDIO_BITRATE = "128k"
CRF = 20
THREADS = 2
#: share of the progress bar spent mixing the soundtrack before the first frame is stitched
_AUDIO_SHARE = 0.05
_BLACK = (0, 0, 0)

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
    palette = palette_of(plan)
    size = (plan.width, plan.height)
    fade = plan.crossfade_seconds

    with ExitStack() as closing:
        segments = [closing.enter_context(_opened_segment(clip, number, plan)) for number, clip in
                    enumerate(plan.clips, start=1)]
        total = planned_duration(plan, [segment.duration for segment in segments])

        title = ImageClip(title_card(plan, palette)).with_duration(plan.title_seconds)
        credits = ImageClip(credits_card(plan, palette)).with_duration(plan.credits_seconds)
        pieces = [title]
        for number, (clip, segment) in enumerate(zip(plan.clips, segments, strict=True), start=1):
            pieces.append(with_lower_third(_fit(segment.without_audio(), size), number, clip.author, palette, fade))
        pieces.append(credits)
        if fade > 0:
            pieces = [pieces[0], *(piece.with_effects([vfx.CrossFadeIn(fade)]) for piece in pieces[1:])]
        # a background colour keeps the composite opaque: no alpha plane reaches the encoder
        video = concatenate_videoclips(pieces, method="compose", padding=-fade, bg_color=_BLACK)
        cut = closing.enter_context(video.with_audio(_soundtrack(segments, video.start_times[1:-1], total, fade)))

        logger = _ProgressForwarder(report, total, plan.fps) if on_progress else None
        _encode(cut, Path(dest), plan, preset, logger)
    report(1.0, f"director's cut ready ({seconds(total)} s)")
    return Path(dest)


# --- the timeline -------------------------------------------------------------------------------


#: x264 and container settings: the frames arrive as RGB and leave as BT.709 video, like every house segment
_FFMPEG_PARAMS = [
    "-vf", "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p",
    "-crf", str(CRF), "-pix_fmt", "yuv420p",
    "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
    "-color_range", "tv",
    "-movflags", "+faststart", "-f", "mp4",
]


def _encode(cut, dest: Path, plan: CutPlan, preset: str, logger: proglog.ProgressBarLogger | None) -> None:
    """Encode the composed ``cut`` to ``dest``, which only appears once the file is complete."""
    with atomic_output(dest) as temp, tempfile.TemporaryDirectory(prefix="directors-cut-") as work:
        try:
            cut.write_videofile(
                str(temp), fps=plan.fps, codec="libx264", preset=preset, threads=THREADS,
                audio_codec="aac", audio_fps=AUDIO_RATE, audio_bitrate=AUDIO_BITRATE,
                temp_audiofile=str(Path(work) / "soundtrack.m4a"), ffmpeg_params=_FFMPEG_PARAMS, logger=logger,
            )
        except OSError as exc:
            raise MediaError(f"director's cut of {plan.title!r}: the encode failed", stderr_tail(str(exc))) from exc
        if not temp.is_file() or temp.stat().st_size == 0:
            raise MediaError(f"director's cut of {plan.title!r}: the encoder wrote nothing")


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
                self.report(min(fraction, 0.99), f"stitching {second} s of {seconds(self.total)} s")


def _ignore_progress(fraction: float, text: str) -> None:
    return None
