"""Reference frames, posters and thumbnails are real JPEGs of the right frame and size."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from app.media.ffmpeg import MediaError
from app.media.frames import first_frame, last_frame, poster, thumbnail


def _jpeg(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image


def _diff(image: Image.Image, frame: np.ndarray) -> float:
    return float(np.abs(np.asarray(image.convert("RGB")).astype(int) - frame.astype(int)).mean())


def test_first_and_last_frame_are_the_clip_ends(rendered, decode_frame):
    """first_frame/last_frame return JPEGs of frame 0 and of the final frame (not one a second early)."""
    first, last = _jpeg(first_frame(rendered.path)), _jpeg(last_frame(rendered.path))
    assert first.size == last.size == (640, 360)
    assert _diff(first, decode_frame(rendered.path, 0)) < 3
    assert _diff(last, decode_frame(rendered.path, 119)) < 3
    assert _diff(last, decode_frame(rendered.path, 119)) < _diff(last, decode_frame(rendered.path, 96))


def test_last_frame_when_the_soundtrack_outlasts_the_video(long_audio_source, decode_frame):
    """A clip whose audio runs 3 s past its video still yields the video's final frame."""
    last = _jpeg(last_frame(long_audio_source))
    assert last.size == (320, 240)
    assert _diff(last, decode_frame(long_audio_source, 47, 320, 240)) < 3


def test_poster_and_thumbnail_sizes(rendered, tmp_path):
    """The poster is a full-size JPEG; the thumbnail is 320 px wide with the clip's aspect."""
    assert poster(rendered.path, tmp_path / "poster.jpg") == tmp_path / "poster.jpg"
    thumbnail(rendered.path, tmp_path / "thumb.jpg")
    thumbnail(rendered.path, tmp_path / "small.jpg", width=160)
    assert _jpeg((tmp_path / "poster.jpg").read_bytes()).size == (640, 360)
    assert _jpeg((tmp_path / "thumb.jpg").read_bytes()).size == (320, 180)
    assert _jpeg((tmp_path / "small.jpg").read_bytes()).size == (160, 90)


def test_frames_of_a_broken_file_raise(tmp_path):
    """Asking a non-video for a frame raises MediaError and writes no poster."""
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    for take in (first_frame, last_frame):
        with pytest.raises(MediaError):
            take(broken)
    with pytest.raises(MediaError):
        poster(broken, tmp_path / "poster.jpg")
    assert not (tmp_path / "poster.jpg").exists()
