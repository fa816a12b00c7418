"""normalize() turns any clip into the house format with one identical track layout."""
from __future__ import annotations

import random

import pytest

from app.media.ffmpeg import MediaError, run_ffmpeg
from app.media.normalize import normalize
from app.media.probe import decoded_duration, keyframe_times, probe

HOUSE = {"width": 640, "height": 360, "fps": 24}


def _audio_duration(path) -> float:
    done = run_ffmpeg(["-i", path, "-map", "0:a:0", "-f", "null", "-", "-progress", "pipe:1", "-nostats"],
                      what="measure audio")
    times = [line for line in done.stdout.decode().splitlines() if line.startswith("out_time_us=")]
    return int(times[-1].split("=")[1]) / 1e6


@pytest.fixture(scope="module")
def normalized_odd(odd_source, tmp_path_factory):
    return normalize(odd_source, tmp_path_factory.mktemp("norm") / "odd.mp4", **HOUSE)


def test_odd_clip_becomes_house_format(normalized_odd):
    """A 4:3 30 fps clip with mono 44.1 kHz audio comes out H.264 640x360 24 fps with AAC 48 kHz stereo."""
    info = probe(normalized_odd)
    assert (info.video_codec, info.width, info.height, info.fps, info.pix_fmt) == ("h264", 640, 360, 24, "yuv420p")
    assert (info.audio_codec, info.audio_sample_rate, info.audio_channels) == ("aac", 48000, 2)
    assert info.duration == pytest.approx(3.3, abs=0.05)


def test_keyframe_every_two_seconds(normalized_odd, normalized_segments):
    """Keyframes fall exactly every 2 s, so HLS parts can be cut on them by stream copy."""
    assert keyframe_times(normalized_odd) == [0.0, 2.0]
    assert keyframe_times(normalized_segments[0]) == [0.0, 2.0, 4.0]


def test_short_soundtrack_is_padded_to_the_video(normalized_odd):
    """A 2 s soundtrack under 3.3 s of video is padded with silence to end with the video (±0.05 s)."""
    assert _audio_duration(normalized_odd) == pytest.approx(decoded_duration(normalized_odd), abs=0.05)


def test_silent_clip_gets_a_silent_aac_track_and_letterbox(silent_source, tmp_path, decode_frame):
    """A clip without audio gains AAC 48 kHz stereo; its 4:3 picture is pillarboxed, not stretched."""
    out = normalize(silent_source, tmp_path / "silent.mp4", **HOUSE)
    info = probe(out)
    assert (info.audio_codec, info.audio_sample_rate, info.audio_channels) == ("aac", 48000, 2)
    assert _audio_duration(out) == pytest.approx(decoded_duration(out), abs=0.05)
    frame = decode_frame(out, 10).astype(int)
    assert frame[:, :70].max() < 30, "the side bars are black"
    assert frame[:, 100:540].mean() > 40, "the picture fills the middle"


def test_all_segments_share_one_track_layout(normalized_segments, normalized_odd):
    """Every normalized clip has the same codecs, size, rate and audio layout, whatever its source."""
    layouts = {
        (i.video_codec, i.width, i.height, i.fps, i.pix_fmt, i.audio_codec, i.audio_sample_rate, i.audio_channels)
        for i in map(probe, [*normalized_segments, normalized_odd])
    }
    assert layouts == {("h264", 640, 360, 24, "yuv420p", "aac", 48000, 2)}


def test_broken_input_raises_and_leaves_no_output(tmp_path):
    """Random bytes raise MediaError, and neither the destination nor a temp file is left behind."""
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(random.Random(7).randbytes(32 * 1024))
    with pytest.raises(MediaError):
        normalize(junk, tmp_path / "out" / "clip.mp4", **HOUSE)
    out_dir = tmp_path / "out"
    assert not out_dir.exists() or not any(out_dir.iterdir())


def test_odd_house_size_is_refused(odd_source, tmp_path):
    """An odd width cannot hold yuv420p, so it is refused before ffmpeg runs."""
    with pytest.raises(ValueError):
        normalize(odd_source, tmp_path / "x.mp4", width=641, height=360, fps=24)
    assert not (tmp_path / "x.mp4").exists()
