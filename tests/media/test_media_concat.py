"""concat_mp4() joins house-format segments by stream copy into one playable MP4."""
from __future__ import annotations

import pytest

from app.media.concat import concat_mp4
from app.media.ffmpeg import MediaError
from app.media.probe import probe


def test_concat_duration_is_the_sum(normalized_segments, tmp_path, frame_count):
    """Three joined segments last the sum of their durations (±0.1 s) and keep every frame."""
    joined = concat_mp4(normalized_segments, tmp_path / "branch.mp4")
    info = probe(joined)
    assert info.duration == pytest.approx(sum(probe(p).duration for p in normalized_segments), abs=0.1)
    assert (info.video_codec, info.width, info.height, info.audio_codec) == ("h264", 640, 360, "aac")
    assert frame_count(joined) == sum(frame_count(p) for p in normalized_segments)


def test_concat_handles_quotes_in_paths(normalized_segments, tmp_path):
    """A path with a quote and spaces survives the concat list file's quoting."""
    odd = tmp_path / "it's a clip.mp4"
    odd.write_bytes(normalized_segments[0].read_bytes())
    joined = concat_mp4([odd, normalized_segments[1]], tmp_path / "two.mp4")
    assert probe(joined).duration == pytest.approx(10.0, abs=0.1)


def test_concat_of_a_broken_input_raises(normalized_segments, tmp_path):
    """A broken file among the inputs raises MediaError and leaves no output."""
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"garbage" * 1000)
    with pytest.raises(MediaError):
        concat_mp4([normalized_segments[0], junk], tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists()
