"""probe() reads what a clip holds from ffmpeg's own summary, and fails clearly on junk."""
from __future__ import annotations

import random

import pytest

from app.media.ffmpeg import MediaError
from app.media.probe import decoded_duration, probe


def test_probe_reads_streams_of_a_test_pattern(odd_source):
    """Codec, size, rate, pixel format, duration and the audio track's rate and channels are read."""
    info = probe(odd_source)
    assert (info.video_codec, info.width, info.height, info.fps, info.pix_fmt) == ("h264", 320, 240, 30, "yuv420p")
    assert info.duration == pytest.approx(3.3, abs=0.05)
    assert (info.audio_codec, info.audio_sample_rate, info.audio_channels) == ("aac", 44100, 1)
    assert info.has_audio


def test_exact_duration_agrees_with_the_header(odd_source, silent_source):
    """Decoding the video stream gives the same duration as the header, to 0.05 s."""
    for clip, seconds in ((odd_source, 3.3), (silent_source, 3.0)):
        assert decoded_duration(clip) == pytest.approx(seconds, abs=0.05)
        assert probe(clip, exact=True).duration == pytest.approx(probe(clip).duration, abs=0.05)
    assert not probe(silent_source).has_audio


def test_probe_rejects_random_bytes(tmp_path):
    """A file of random bytes raises MediaError carrying ffmpeg's own explanation."""
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(random.Random(7).randbytes(64 * 1024))
    with pytest.raises(MediaError) as error:
        probe(junk)
    assert "junk.mp4" in str(error.value)
    assert error.value.stderr_tail


def test_probe_of_a_missing_or_empty_file_says_so(tmp_path):
    """A missing or empty path is reported as such instead of as an ffmpeg failure."""
    with pytest.raises(MediaError, match="does not exist"):
        probe(tmp_path / "nowhere.mp4")
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(MediaError, match="is empty"):
        probe(tmp_path / "empty.mp4")
