"""LumaProvider against the Luma stub over real HTTP."""
from __future__ import annotations

import pytest

from app.providers.errors import OutputExpiredError, PermanentProviderError, TransientProviderError
from app.providers.video.base import RenderRequest
from app.providers.video.luma import LumaProvider


def test_first_segment_is_created_and_downloaded(luma, luma_stub, tmp_path):
    """A generation is created (201) with Luma's snake_case body, followed to completion and downloaded as MP4."""
    request = RenderRequest(prompt="A red kite over dunes.", seed=1, duration=5, width=640, height=360)
    progress: list[tuple[float, str]] = []

    generation_id = luma.start(request)
    result = luma.wait(generation_id, request, lambda f, t: progress.append((f, t)))
    clip = luma.fetch(result, tmp_path / "clip.mp4")

    create = luma_stub.calls("POST")[0]
    assert create.status == 201
    assert create.headers["Authorization"] == f"Bearer {luma_stub.api_key}"
    assert create.json == {
        "model": "ray-2", "prompt": "A red kite over dunes.", "aspect_ratio": "16:9", "duration": "5s",
        "resolution": "540p",
    }
    assert progress[0] == (0.0, "waiting in the provider's queue")
    assert progress[1][1].startswith("rendering at the provider")
    assert b"ftyp" in clip.read_bytes()[:16]


def test_continuation_passes_the_frame_url_from_the_uploader(luma_stub, clock, jpeg_frame):
    """With image_url_for, the parent's frame is uploaded and its URL sent as keyframes.frame0."""
    uploaded: list[bytes] = []

    def upload(image: bytes) -> str:
        uploaded.append(image)
        return "https://cdn.example.com/frames/last.jpg"

    provider = LumaProvider(luma_stub.api_key, base_url=luma_stub.api_url, image_url_for=upload, sleep=clock.sleep)
    provider.start(RenderRequest(prompt="She looks back.", seed=1, duration=9, width=360, height=640,
                                 first_frame=jpeg_frame))

    body = luma_stub.calls("POST")[0].json
    assert uploaded == [jpeg_frame]
    assert body["keyframes"] == {"frame0": {"type": "image", "url": "https://cdn.example.com/frames/last.jpg"}}
    assert (body["aspect_ratio"], body["duration"]) == ("9:16", "9s")


def test_continuation_sends_the_requests_frame_url_and_never_a_data_uri(luma, luma_stub, jpeg_frame):
    """The frame goes as the URL the request carries; without one the render is refused before anything is sent."""
    luma_stub.configure(accept_data_uris=False)
    luma.start(RenderRequest(prompt="She looks back.", seed=1, first_frame=jpeg_frame,
                             first_frame_url="https://media.example.com/segments/1/last.jpg?sig=abc"))
    assert luma_stub.calls("POST")[0].json["keyframes"]["frame0"] == {
        "type": "image", "url": "https://media.example.com/segments/1/last.jpg?sig=abc"}

    with pytest.raises(PermanentProviderError) as caught:
        luma.start(RenderRequest(prompt="She looks back.", seed=1, first_frame=jpeg_frame))
    assert caught.value.code == "reference_unreachable" and "PUBLIC_BASE_URL" in caught.value.message
    assert len(luma_stub.calls("POST")) == 1


def test_moderation_failure_is_permanent(luma, luma_stub):
    """A generation failed for moderation raises a permanent error carrying Luma's reason; one generation was made."""
    request = RenderRequest(prompt="Something [[safety]].", seed=1)

    with pytest.raises(PermanentProviderError) as caught:
        luma.wait(luma.start(request), request)

    assert caught.value.code == "moderation"
    assert "moderation" in caught.value.message
    assert luma_stub.creation_count("Something [[safety]].") == 1


def test_internal_failure_is_transient(luma):
    """A generation failed for an internal reason is transient (worth a new generation)."""
    request = RenderRequest(prompt="Boat [[internal]].", seed=1)

    with pytest.raises(TransientProviderError) as caught:
        luma.wait(luma.start(request), request)

    assert caught.value.code == "task_failed"


def test_bad_key_is_permanent(luma_stub, clock):
    """A 401 is permanent, carries Luma's detail message and is not retried."""
    provider = LumaProvider("nope", base_url=luma_stub.api_url, sleep=clock.sleep)

    with pytest.raises(PermanentProviderError) as caught:
        provider.start(RenderRequest(prompt="Harbour.", seed=1))

    assert "Invalid API key" in caught.value.message
    assert len(luma_stub.requests) == 1


def test_503_and_429_are_retried(luma, luma_stub, clock):
    """Transient answers on creation are retried (Retry-After honoured) and exactly one generation is made."""
    luma_stub.fail_next(503, retry_after="")
    luma_stub.fail_next(429, retry_after="3")

    luma.start(RenderRequest(prompt="Harbour.", seed=1))

    assert clock.sleeps == [0.5, 3.0]
    assert luma_stub.creation_count("Harbour.") == 1


def test_expired_video_link_is_renewed_or_reported(luma, luma_stub, tmp_path):
    """An expired assets.video link is renewed via the generation; without renewal fetch raises OutputExpiredError."""
    request = RenderRequest(prompt="Harbour.", seed=1)
    result = luma.wait(luma.start(request), request)
    luma_stub.expire_outputs()
    assert luma.fetch(result, tmp_path / "a.mp4").stat().st_size > 0

    luma_stub.configure(refresh_outputs=False)
    luma_stub.expire_outputs()
    with pytest.raises(OutputExpiredError):
        luma.fetch(result, tmp_path / "b.mp4")


def test_cancel_deletes_the_generation(luma, luma_stub):
    """cancel() DELETEs the generation; cancelling it again (now unknown) is not an error."""
    generation_id = luma.start(RenderRequest(prompt="Harbour.", seed=1))

    luma.cancel(generation_id)
    luma.cancel(generation_id)

    assert [c.status for c in luma_stub.calls("DELETE")] == [204, 404]
