"""The director's cut: one real cut of three rendered segments, inspected by decoding its frames and sound.

Timeline of the three-segment cut (2 s segments, 3 s title, 0.5 s crossfades, 4 s credits)::

    title 0–3 | segment 1 2.5–4.5 | segment 2 4.0–6.0 | segment 3 5.5–7.5 | credits 7.0–11.0
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest

from app.media.directors_cut import CutClip, CutPlan, make_directors_cut, planned_duration
from app.media.ffmpeg import MediaError, run_ffmpeg
from app.media.normalize import normalize
from app.media.probe import probe
from app.providers.video.base import RenderRequest
from app.providers.video.local import render_clip

FPS = 24
PLACES = (("Harbor", "day"), ("Dark forest", "night"), ("Desert", "dusk"))


@dataclass
class Cut:
    """A finished cut, the plan and segments it was made from, and the progress it reported."""

    plan: CutPlan
    segments: list[Path]
    path: Path
    progress: list[tuple[float, str]]


@pytest.fixture(scope="module")
def cut_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("directors-cut")


@pytest.fixture(scope="module")
def cut_segments(cut_dir) -> list[Path]:
    """Three 2 s house-format segments in three differently coloured places."""
    segments = []
    for number, (place, time_of_day) in enumerate(PLACES, start=1):
        request = RenderRequest(
            prompt=f"Mara crosses the {place}", seed=number, duration=2,
            bible={
                "location": {"id": f"L{number}", "name": place, "attributes": {"time": time_of_day}},
                "characters": [{"id": "C1", "name": "Mara", "attributes": {"coat": "red"}}],
                "props": [], "style": None, "action": f"Mara crosses the {place}",
            },
        )
        raw = render_clip(request, cut_dir / f"raw{number}.mp4")
        segments.append(normalize(raw, cut_dir / f"segment{number}.mp4", width=640, height=360, fps=FPS))
    return segments


@pytest.fixture(scope="module")
def cut(cut_dir, cut_segments) -> Cut:
    """The director's cut of the three segments, by two authors, starring two characters."""
    plan = CutPlan(
        title="The Lantern at the Harbor",
        topic="Seaside mysteries",
        clips=[CutClip(path, author) for path, author in zip(cut_segments, ("mara", "tom", "mara"), strict=True)],
        contributors=["mara", "tom"],
        characters=["C1 Mara", "C2 Tom"],
    )
    progress: list[tuple[float, str]] = []
    path = make_directors_cut(plan, cut_dir / "cut.mp4", on_progress=lambda *report: progress.append(report))
    return Cut(plan, cut_segments, path, progress)


@pytest.fixture(scope="module")
def tone_cut(cut_dir) -> Cut:
    """A one-segment cut whose 2 s segment carries a 440 Hz tone; nobody is credited as starring."""
    source = cut_dir / "tone-source.mp4"
    run_ffmpeg(
        ["-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=24:duration=2",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-y", source],
        what="make tone clip",
    )
    segment = normalize(source, cut_dir / "tone-segment.mp4", width=640, height=360, fps=FPS)
    plan = CutPlan(title="A Tone", topic="Tests", clips=[CutClip(segment, "ann")], contributors=["ann"])
    return Cut(plan, [segment], make_directors_cut(plan, cut_dir / "tone-cut.mp4"), [])


def frame_at(decode_frame, path: Path, seconds: float) -> np.ndarray:
    """The decoded frame shown at ``seconds``, as a float array for arithmetic."""
    return decode_frame(path, round(seconds * FPS)).astype(np.float32)


def bright_text_pixels(frame: np.ndarray) -> np.ndarray:
    """Mask of near-white pixels: title, credit and lower-third text is drawn in white."""
    return (frame >= 215).all(axis=-1)


def text_lines(frame: np.ndarray) -> int:
    """How many separate lines of white text the frame shows (runs of rows holding white pixels)."""
    rows = bright_text_pixels(frame).sum(axis=1) > 3
    return int(np.count_nonzero(rows[1:] & ~rows[:-1]) + rows[0])


def loudness(path: Path, start: float, end: float) -> float:
    """RMS of the file's soundtrack (mixed to mono) between ``start`` and ``end`` seconds."""
    done = run_ffmpeg(
        ["-loglevel", "error", "-ss", f"{start}", "-t", f"{end - start}", "-i", path, "-map", "0:a:0",
         "-ac", "1", "-ar", "48000", "-f", "f32le", "-"],
        what="decode test audio",
    )
    samples = np.frombuffer(done.stdout, np.float32)
    return float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0


def test_planned_duration_counts_one_crossfade_per_transition():
    """Title, segments and credits overlap once per transition: n segments make n + 1 crossfades."""
    plan = CutPlan("T", "t", [CutClip(Path("a.mp4"), "a")] * 3, ["a"])
    assert planned_duration(plan, [2, 2, 2]) == pytest.approx(3 + 6 + 4 - 0.5 * 4)
    assert planned_duration(replace(plan, crossfade_seconds=0), [2, 2, 2]) == pytest.approx(13)
    with pytest.raises(ValueError):
        planned_duration(plan, [2, 2])


def test_cut_lasts_its_planned_duration(cut):
    """The decoded video lasts planned_duration of the segments' own durations, within 0.1 s."""
    expected = planned_duration(cut.plan, [probe(path).duration for path in cut.segments])
    assert expected == pytest.approx(11.0, abs=0.05)
    assert probe(cut.path, exact=True).duration == pytest.approx(expected, abs=0.1)
    assert probe(cut.path).duration == pytest.approx(expected, abs=0.1)


def test_cut_is_faststart_h264_with_aac(cut):
    """The cut is 640x360 24 fps H.264 yuv420p with one AAC track, its index ahead of its data."""
    info = probe(cut.path)
    assert (info.video_codec, info.width, info.height, info.pix_fmt) == ("h264", 640, 360, "yuv420p")
    assert info.fps == pytest.approx(FPS)
    assert info.audio_codec == "aac"
    head = cut.path.read_bytes()
    assert head.index(b"moov") < head.index(b"mdat")
    assert not [p.name for p in cut.path.parent.iterdir() if p.name.endswith(".part")]


def test_title_card_shows_the_title_over_a_gradient(cut, decode_frame):
    """At 1 s the title card shows white text in the middle over a coloured gradient, not the first segment."""
    title = frame_at(decode_frame, cut.path, 1.0)
    first_segment = decode_frame(cut.segments[0], 0).astype(np.float32)
    assert np.abs(title - first_segment).mean() > 30
    assert bright_text_pixels(title[100:260, 64:576]).sum() > 500
    assert not bright_text_pixels(title[:60]).any()
    corners = [title[5:45, 5:60].mean(axis=(0, 1)), title[5:45, -60:-5].mean(axis=(0, 1))]
    assert np.abs(corners[0] - corners[1]).max() > 8, "the background should be a gradient, not flat"
    assert title[:60].mean() > 12, "the background should not be black"


def test_crossfade_frame_blends_both_segments(cut, decode_frame):
    """Halfway through the dissolve from segment 1 to 2 (4.25 s) the picture is the average of the two."""
    blend = frame_at(decode_frame, cut.path, 4.25)[:220]
    outgoing = frame_at(decode_frame, cut.segments[0], 1.75)[:220]
    incoming = frame_at(decode_frame, cut.segments[1], 0.25)[:220]
    apart = np.abs(outgoing - incoming).mean()
    assert apart > 30
    assert np.abs(blend - outgoing).mean() < 0.7 * apart
    assert np.abs(blend - incoming).mean() < 0.7 * apart
    assert np.abs(blend - (outgoing + incoming) / 2).mean() < 0.15 * apart


def test_lower_third_names_the_segment_early_in_it(cut, decode_frame):
    """One second into segment 2 a dark band with white text covers the lower third; the rest is the segment."""
    shown = frame_at(decode_frame, cut.path, 5.0)
    raw = frame_at(decode_frame, cut.segments[1], 1.0)
    assert np.abs(shown[:200] - raw[:200]).mean() < 6
    band, raw_band = shown[262:300, 40:260], raw[262:300, 40:260]
    assert np.abs(band - raw_band).mean() > 15
    assert bright_text_pixels(band).sum() > 100
    assert bright_text_pixels(band).sum() > 3 * bright_text_pixels(raw_band).sum()


def test_credits_name_writers_and_characters(cut, tone_cut, decode_frame):
    """The credits list writers and characters; with no characters the "Starring" section is left out."""
    credits = frame_at(decode_frame, cut.path, 9.0)
    assert np.abs(credits - frame_at(decode_frame, cut.path, 1.0)).mean() > 3
    assert text_lines(credits) == 2, "one line of writers, one of characters"
    assert text_lines(frame_at(decode_frame, tone_cut.path, 6.5)) == 1, "writers only"


def test_segment_sound_plays_and_title_and_credits_are_silent(tone_cut):
    """The segment's tone is kept in the cut; the title card and the credits are silence."""
    assert probe(tone_cut.path, exact=True).duration == pytest.approx(3 + 2 + 4 - 0.5 * 2, abs=0.1)
    tone = loudness(tone_cut.segments[0], 0.5, 1.5)
    assert tone > 0.05
    assert loudness(tone_cut.path, 3.0, 4.0) == pytest.approx(tone, rel=0.15)
    assert loudness(tone_cut.path, 0.2, 2.3) < 0.002
    assert loudness(tone_cut.path, 5.0, 7.8) < 0.002


def test_progress_reads_as_seconds_stitched(cut):
    """Progress climbs from 0 to 1 and says how many seconds have been stitched."""
    fractions = [fraction for fraction, _ in cut.progress]
    texts = [text for _, text in cut.progress]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert "stitching 5 s of 11 s" in texts
    assert len(cut.progress) < 30, "progress should be throttled, not sent per frame"


def test_empty_plan_is_refused(tmp_path):
    """A plan without segments raises MediaError and writes nothing."""
    with pytest.raises(MediaError, match="at least one segment"):
        make_directors_cut(CutPlan("Empty", "t", [], []), tmp_path / "cut.mp4")
    assert not list(tmp_path.iterdir())


def test_unreadable_segment_is_refused(tmp_path, cut_segments):
    """A segment that is not a video raises MediaError naming it, and no partial cut is left behind."""
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"this is not a video")
    plan = CutPlan("Broken", "t", [CutClip(cut_segments[0], "a"), CutClip(broken, "b")], ["a", "b"])
    with pytest.raises(MediaError, match=r"segment 2 \(broken.mp4\)"):
        make_directors_cut(plan, tmp_path / "out" / "cut.mp4")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
