"""The local provider renders real, deterministic H.264 clips from the Scene Bible."""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from app.media.frames import first_frame, last_frame
from app.media.probe import keyframe_times, probe
from app.providers.errors import OutputExpiredError, PermanentProviderError
from app.providers.video.base import RenderRequest, TaskResult
from app.providers.video.local import LocalVideoProvider, parse_color, render_clip, signature_color

RED = np.array([200, 30, 35])


def _share_near(frame: np.ndarray, color: np.ndarray, tolerance: float = 45) -> float:
    """Fraction of the frame's pixels within ``tolerance`` (Euclidean RGB) of ``color``."""
    distance = np.linalg.norm(frame.astype(np.float32) - color, axis=-1)
    return float((distance < tolerance).mean())


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_rendered_clip_is_house_shaped_h264(rendered):
    """A default request renders a 5.0 s, 640x360, 24 fps H.264 yuv420p clip without audio."""
    info = probe(rendered.path, exact=True)
    assert (info.video_codec, info.width, info.height, info.pix_fmt) == ("h264", 640, 360, "yuv420p")
    assert info.fps == 24
    assert info.duration == pytest.approx(5.0, abs=0.1)
    assert not info.has_audio
    assert keyframe_times(rendered.path)[:3] == [0.0, 2.0, 4.0]


def test_progress_is_reported_every_second_in_words(rendered):
    """wait() reports progress at least once per second of video, ending at 100 % with readable text."""
    fractions = [fraction for fraction, _ in rendered.progress]
    texts = [text for _, text in rendered.progress]
    assert len(rendered.progress) >= 5
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert {"rendering 1 s of 5 s", "rendering 3 s of 5 s", "rendering 5 s of 5 s"} <= set(texts)


def test_start_records_the_task_and_is_deterministic(media_dir, red_coat_request, rendered):
    """start() returns the same "local-" id for the same request and writes the request as JSON."""
    provider = LocalVideoProvider(media_dir / "work")
    assert provider.start(red_coat_request) == rendered.task_id
    assert rendered.task_id.startswith("local-") and len(rendered.task_id) == len("local-") + 16
    stored = json.loads((media_dir / "work" / f"{rendered.task_id}.json").read_text())
    assert stored["seed"] == 11 and stored["bible"]["characters"][0]["id"] == "C1"
    assert provider.start(replace(red_coat_request, seed=12)) != rendered.task_id


def test_start_keeps_the_reference_frame_beside_the_request(media_dir, red_coat_request, rendered):
    """A continuation's reference frame is saved next to its request JSON, byte for byte."""
    provider = LocalVideoProvider(media_dir / "work")
    frame = last_frame(rendered.path)
    task_id = provider.start(replace(red_coat_request, first_frame=frame))
    stored = json.loads((media_dir / "work" / f"{task_id}.json").read_text())
    assert stored["first_frame_file"] == f"{task_id}.first_frame.jpg"
    assert (media_dir / "work" / stored["first_frame_file"]).read_bytes() == frame
    assert stored["first_frame_sha256"] == hashlib.sha256(frame).hexdigest()


def test_wait_on_a_finished_task_reuses_the_clip(media_dir, red_coat_request, rendered):
    """A resumed wait() finds the finished clip and does not render it again."""
    provider = LocalVideoProvider(media_dir / "work")
    clip = media_dir / "work" / f"{rendered.task_id}.mp4"
    before = clip.stat().st_mtime_ns
    calls = []
    result = provider.wait(rendered.task_id, red_coat_request, lambda f, t: calls.append((f, t)))
    assert result == TaskResult(rendered.task_id, str(clip))
    assert clip.stat().st_mtime_ns == before
    assert calls == [(1.0, "rendering 5 s of 5 s")]
    assert not list((media_dir / "work").glob("*.part"))


def test_wait_refuses_a_task_id_of_another_request(media_dir, red_coat_request, rendered):
    """wait() with a task id that another request produced is a permanent error, not a wrong clip."""
    provider = LocalVideoProvider(media_dir / "work")
    with pytest.raises(PermanentProviderError) as error:
        provider.wait(rendered.task_id, replace(red_coat_request, prompt="something else"))
    assert error.value.code == "task_mismatch"


def test_fetch_of_a_vanished_output_asks_for_a_new_task(media_dir):
    """fetch() of a clip that is no longer in the work directory raises OutputExpiredError."""
    provider = LocalVideoProvider(media_dir / "work")
    with pytest.raises(OutputExpiredError):
        provider.fetch(TaskResult("local-gone", str(media_dir / "work" / "local-gone.mp4")), media_dir / "x.mp4")
    assert not (media_dir / "x.mp4").exists()


def test_same_request_gives_identical_bytes_and_other_seed_differs(tmp_path, decode_frame):
    """Rendering one request twice gives byte-identical files; another seed moves the camera."""
    request = RenderRequest(prompt="Two friends walk", seed=5, duration=1.0, bible={
        "location": {"id": "L9", "name": "Desert", "attributes": {}},
        "characters": [{"id": "C1", "name": "Ana", "attributes": {}}, {"id": "C2", "name": "Bo", "attributes": {}}],
    })
    first = render_clip(request, tmp_path / "a.mp4")
    second = render_clip(request, tmp_path / "b.mp4")
    other = render_clip(replace(request, seed=6), tmp_path / "c.mp4")
    assert _sha256(first) == _sha256(second)
    assert np.array_equal(decode_frame(first, 12), decode_frame(second, 12))
    difference = np.abs(decode_frame(first, 12).astype(int) - decode_frame(other, 12).astype(int)).mean()
    assert difference > 3


def test_red_coat_character_is_painted_red(rendered, tmp_path, decode_frame):
    """A character with ``coat: red`` puts a red region in the frame; in a blue coat it does not."""
    red_share = _share_near(decode_frame(rendered.path, 60), RED)
    blue_bible = json.loads(json.dumps(rendered.request.bible))
    blue_bible["characters"][0]["attributes"]["coat"] = "blue"
    blue = render_clip(replace(rendered.request, bible=blue_bible, duration=1.0), tmp_path / "blue.mp4")
    assert red_share > 0.01
    assert _share_near(decode_frame(blue, 12), RED) < red_share / 20


def test_continuation_starts_on_the_given_frame(rendered, tmp_path, decode_frame):
    """A continuation's first frame matches the parent's last frame, then the new scene takes over."""
    parent_last = last_frame(rendered.path)
    request = RenderRequest(
        prompt="Night falls", seed=99, duration=2.0, first_frame=parent_last,
        bible={"location": {"id": "L2", "name": "Forest", "attributes": {"time": "night"}}, "characters": []},
    )
    clip = render_clip(request, tmp_path / "next.mp4")
    given = np.asarray(Image.open(io.BytesIO(parent_last)).convert("RGB")).astype(int)
    opening = np.asarray(Image.open(io.BytesIO(first_frame(clip))).convert("RGB")).astype(int)
    later = decode_frame(clip, 24).astype(int)
    assert np.abs(opening - given).mean() < 4
    assert np.abs(later - given).mean() > 20


def test_caption_band_shows_the_action(rendered, decode_frame):
    """The action is written in light text on a dark band at the bottom of the frame."""
    frame = decode_frame(rendered.path, 30).astype(int)
    band = frame[-40:]
    scene = frame[200:260]
    assert band.mean() < scene.mean() - 40
    assert (band.min(axis=-1) > 200).mean() > 0.01


def test_unreadable_first_frame_is_a_permanent_error(tmp_path):
    """A continuation whose reference frame is not an image is refused without retrying."""
    request = RenderRequest(prompt="x", seed=1, duration=1.0, first_frame=b"not an image")
    with pytest.raises(PermanentProviderError) as error:
        render_clip(request, tmp_path / "x.mp4")
    assert error.value.code == "bad_first_frame"
    assert not (tmp_path / "x.mp4").exists()


def test_signature_colors_follow_attributes_then_id():
    """Colour words in attributes decide an entity's signature colour; without them its id does, stably."""
    mara = {"id": "C1", "name": "Mara", "attributes": {"coat": "red", "hair": "blonde"}}
    tom = {"id": "C2", "name": "Tom", "attributes": {"hair": "black", "jacket": "navy blue"}}
    assert signature_color(mara) == (200, 30, 35)
    assert signature_color(tom) == (25, 35, 90)
    anonymous = signature_color({"id": "C7", "name": "Someone", "attributes": {"hair": "black"}})
    assert anonymous == signature_color({"id": "C7", "name": "Renamed", "attributes": {}})
    assert anonymous != signature_color({"id": "C8", "name": "Someone", "attributes": {}})
    assert parse_color("a dark green cloak") == (24, 90, 36)
    assert parse_color("sky blue") == (120, 190, 235)
    assert parse_color("red", hair=True) != parse_color("red")
    assert parse_color("nothing colourful") is None
