"""RunwayProvider against the Runway stub over real HTTP."""
from __future__ import annotations

import base64
import time
from email.utils import formatdate
from pathlib import Path

import pytest
import requests

from app.providers.errors import OutputExpiredError, PermanentProviderError, ProviderError, TransientProviderError
from app.providers.video.base import RenderRequest
from app.providers.video.runway import RunwayProvider

MP4_SIGNATURE = b"ftyp"


def render(provider: RunwayProvider, request: RenderRequest, dest: Path, progress: list | None = None) -> Path:
    task_id = provider.start(request)
    result = provider.wait(task_id, request, None if progress is None else lambda f, t: progress.append((f, t)))
    return provider.fetch(result, dest)


def test_first_segment_renders_through_text_to_video_with_runway_headers(runway, runway_stub, tmp_path):
    """A first segment (no frame) goes to text_to_video with key, version and camelCase body; a real MP4 comes back."""
    request = RenderRequest(prompt="Mara walks through rain.", seed=42, duration=5, width=640, height=360)

    clip = render(runway, request, tmp_path / "clip.mp4")

    create = runway_stub.calls("POST")[0]
    assert create.path == "/v1/text_to_video"
    assert create.headers["Authorization"] == f"Bearer {runway_stub.api_key}"
    assert create.headers["X-Runway-Version"] == "2024-11-06"
    assert create.json == {
        "model": "gen4.5", "promptText": "Mara walks through rain.", "ratio": "1280:720", "duration": 5, "seed": 42,
    }
    assert MP4_SIGNATURE in clip.read_bytes()[:16]
    assert not (tmp_path / "clip.mp4.part").exists()


def test_continuation_sends_the_parent_frame_as_a_data_uri(runway, runway_stub, jpeg_frame, tmp_path):
    """A continuation goes to image_to_video with gen4_turbo and the parent's last frame as a JPEG data URI."""
    request = RenderRequest(prompt="She turns around.", seed=7, duration=9.0, first_frame=jpeg_frame)

    render(runway, request, tmp_path / "clip.mp4")

    body = runway_stub.calls("POST", "/v1/image_to_video")[0].json
    assert body["model"] == "gen4_turbo"
    assert body["duration"] == 10
    prefix, _, encoded = body["promptImage"].partition(",")
    assert prefix == "data:image/jpeg;base64"
    assert base64.b64decode(encoded) == jpeg_frame


@pytest.mark.parametrize(
    ("width", "height", "ratio"),
    [(640, 360, "1280:720"), (360, 640, "720:1280"), (640, 480, "1104:832"),
     (480, 640, "832:1104"), (512, 512, "960:960"), (1280, 544, "1584:672")],
)
def test_frame_size_maps_to_the_nearest_gen4_turbo_ratio(runway, runway_stub, jpeg_frame, width, height, ratio):
    """Every house frame shape is sent as the closest ratio gen4_turbo accepts (the stub rejects any other)."""
    runway.start(RenderRequest(prompt="x", seed=1, width=width, height=height, first_frame=jpeg_frame))

    assert runway_stub.calls("POST")[0].json["ratio"] == ratio


def test_long_prompt_is_cut_to_runways_1000_unit_limit(runway, runway_stub):
    """A prompt over 1000 UTF-16 units (emoji count twice) is cut at a word boundary and accepted."""
    prompt = " ".join(["a fox 🦊 runs"] * 150)

    runway.start(RenderRequest(prompt=prompt, seed=1))

    sent = runway_stub.calls("POST")[0].json["promptText"]
    assert len(sent.encode("utf-16-le")) // 2 <= 1000
    assert prompt.startswith(sent) and sent.endswith(("fox", "🦊", "runs", "a"))


def test_throttled_task_waits_in_queue_then_succeeds(runway, runway_stub, clock):
    """A THROTTLED task is reported as queued after every poll (the caller's heartbeat) until it succeeds, polling every 6 s."""
    runway_stub.configure(throttled_polls=2, polls_to_succeed=3)
    request = RenderRequest(prompt="Harbour at dawn.", seed=3)
    progress: list[tuple[float, str]] = []

    result = runway.wait(runway.start(request), request, lambda f, t: progress.append((f, t)))

    assert result.output_url.startswith(runway_stub.url)
    queued = (0.0, "waiting in the provider's queue")
    assert progress == [queued, queued, queued, (0.5, "rendering at the provider: 50%")]
    assert clock.sleeps == [6.0] * 4


def test_429_with_retry_after_is_honoured(runway, runway_stub, clock):
    """A 429 on task creation is retried after exactly the Retry-After seconds, creating one task."""
    runway_stub.fail_next(429, retry_after="7", path="/v1/text_to_video")

    runway.start(RenderRequest(prompt="Gulls.", seed=5))

    assert clock.sleeps == [7.0]
    assert runway_stub.creation_count("Gulls.", 5) == 1


def test_retry_after_as_http_date_is_honoured_and_capped(runway, runway_stub, clock):
    """A Retry-After HTTP date is turned into seconds, and one far in the future waits only backoff_max."""
    runway_stub.fail_next(503, retry_after=formatdate(time.time() + 5, usegmt=True))
    runway_stub.fail_next(503, retry_after=formatdate(time.time() + 86400, usegmt=True))

    runway.start(RenderRequest(prompt="Gulls.", seed=5))

    assert 3.0 <= clock.sleeps[0] <= 5.0
    assert clock.sleeps[1] == 30.0


def test_503_is_retried_with_jittered_exponential_backoff(runway, runway_stub, clock):
    """Repeated 503s without Retry-After back off exponentially (jitter pinned at half) and then succeed."""
    runway_stub.fail_next(503, 3, retry_after="")

    runway.start(RenderRequest(prompt="Fog.", seed=1))

    assert clock.sleeps == [0.5, 1.0, 2.0]
    assert runway_stub.creation_count("Fog.") == 1


def test_exhausted_retries_raise_transient_with_retry_after(runway, runway_stub, clock):
    """When every attempt answers 429 the error is transient and carries the provider's Retry-After."""
    runway_stub.fail_next(429, 4, retry_after="12")

    with pytest.raises(TransientProviderError) as caught:
        runway.start(RenderRequest(prompt="Fog.", seed=1))

    assert caught.value.retry_after == 12.0
    assert caught.value.code == "http_429"
    assert len(runway_stub.calls("POST")) == 4


def test_wrong_key_is_permanent_and_not_retried(runway_stub, clock):
    """A 401 from a bad key is a permanent error with Runway's message, sent exactly once."""
    provider = RunwayProvider("wrong-key", base_url=runway_stub.url, sleep=clock.sleep)

    with pytest.raises(PermanentProviderError) as caught:
        provider.start(RenderRequest(prompt="Fog.", seed=1))

    assert caught.value.code == "http_401"
    assert "Invalid API key" in caught.value.message
    assert len(runway_stub.requests) == 1 and clock.sleeps == []


def test_stub_insists_on_bearer_key_and_version_header(runway_stub):
    """The stub refuses a missing key (401) and a missing X-Runway-Version (400), as Runway does."""
    url = runway_stub.url + "/v1/tasks/abc"
    assert requests.get(url, timeout=5).status_code == 401
    missing_version = requests.get(url, headers={"Authorization": f"Bearer {runway_stub.api_key}"}, timeout=5)
    assert missing_version.status_code == 400
    assert "X-Runway-Version" in missing_version.json()["error"]


def test_safety_failure_is_permanent_with_runways_message_and_one_task(runway, runway_stub):
    """A SAFETY.INPUT.TEXT failure raises a permanent error with Runway's text, after creating exactly one task."""
    request = RenderRequest(prompt="Something [[safety]] here.", seed=9)

    with pytest.raises(PermanentProviderError) as caught:
        runway.wait(runway.start(request), request)

    assert caught.value.code == "SAFETY.INPUT.TEXT"
    assert caught.value.message == "The prompt text did not pass content moderation."
    assert runway_stub.creation_count("Something [[safety]] here.", 9) == 1


def test_internal_failure_is_transient(runway):
    """An INTERNAL.BAD_OUTPUT failure may be retried (with a new task), so it is transient."""
    request = RenderRequest(prompt="Boat [[internal]].", seed=2)

    with pytest.raises(TransientProviderError) as caught:
        runway.wait(runway.start(request), request)

    assert caught.value.code == "INTERNAL.BAD_OUTPUT.CODE01"


@pytest.mark.parametrize("nonsense", ["not_json", "wrong_shape"])
def test_nonsense_answer_to_creation_is_a_provider_error(runway, runway_stub, nonsense):
    """Garbage instead of {"id"} on creation gives a clear ProviderError, not a crash."""
    runway_stub.configure(nonsense=nonsense)

    with pytest.raises(ProviderError) as caught:
        runway.start(RenderRequest(prompt="Fog.", seed=1))

    assert caught.value.code == "bad_response"


@pytest.mark.parametrize("nonsense", ["not_json", "wrong_shape", "unknown_status", "no_output"])
def test_nonsense_task_answer_is_a_provider_error(runway, runway_stub, nonsense):
    """Garbage while polling (HTML, a list, an unknown status, output not a list) gives a clear ProviderError."""
    request = RenderRequest(prompt="Fog.", seed=1)
    task_id = runway.start(request)
    runway_stub.configure(nonsense=nonsense, polls_to_succeed=1)

    with pytest.raises(ProviderError) as caught:
        runway.wait(task_id, request)

    assert caught.value.code == "bad_response"
    assert not caught.value.transient


def test_expired_output_link_is_renewed_through_the_task(runway, runway_stub, tmp_path):
    """When the output link has expired, the task is fetched again for a fresh link and the download succeeds."""
    request = RenderRequest(prompt="Lighthouse.", seed=4)
    result = runway.wait(runway.start(request), request)
    runway_stub.expire_outputs()
    polls_before = len(runway_stub.calls("GET", "/v1/tasks/"))

    clip = runway.fetch(result, tmp_path / "clip.mp4")

    assert MP4_SIGNATURE in clip.read_bytes()[:16]
    assert len(runway_stub.calls("GET", "/v1/tasks/")) == polls_before + 1
    assert runway_stub.creation_count("Lighthouse.") == 1


def test_expired_output_without_a_fresh_link_raises_output_expired(runway, runway_stub, tmp_path):
    """If the task cannot give a working link again, fetch raises OutputExpiredError (a new task is needed)."""
    runway_stub.configure(refresh_outputs=False)
    request = RenderRequest(prompt="Lighthouse.", seed=4)
    result = runway.wait(runway.start(request), request)
    runway_stub.expire_outputs()

    with pytest.raises(OutputExpiredError):
        runway.fetch(result, tmp_path / "clip.mp4")

    assert not (tmp_path / "clip.mp4").exists()


def test_output_link_with_ttl_expires_by_itself(runway, runway_stub, tmp_path):
    """A link that expired on its own (zero TTL) answers 403 and is renewed on fetch."""
    runway_stub.configure(output_ttl=0.0)
    request = RenderRequest(prompt="Lighthouse.", seed=4)
    result = runway.wait(runway.start(request), request)
    runway_stub.configure(output_ttl=None)

    assert runway.fetch(result, tmp_path / "clip.mp4").stat().st_size > 0
    assert [c.status for c in runway_stub.calls("GET", "/outputs/")] == [403, 200]


def test_download_cut_off_midway_is_downloaded_again(runway, runway_stub, tmp_path):
    """A transfer that breaks off halfway is fetched again, and the file on disk is the whole clip."""
    request = RenderRequest(prompt="Lighthouse.", seed=4)
    result = runway.wait(runway.start(request), request)
    runway_stub.cut_next_downloads(1)

    clip = runway.fetch(result, tmp_path / "clip.mp4")

    assert runway_stub.downloads == 2
    assert clip.read_bytes() == requests.get(result.output_url, timeout=5).content


def test_cancel_stops_a_running_task_and_ignores_unknown_ones(runway, runway_stub):
    """cancel() DELETEs the task, which then reads as CANCELLED (permanent); an unknown id is ignored."""
    runway_stub.configure(polls_to_succeed=10)
    request = RenderRequest(prompt="Storm.", seed=8)
    task_id = runway.start(request)

    runway.cancel(task_id)
    runway.cancel("no-such-task")

    with pytest.raises(PermanentProviderError) as caught:
        runway.wait(task_id, request)
    assert caught.value.code == "cancelled"
    assert [c.status for c in runway_stub.calls("DELETE")] == [204, 404]


def test_wait_gives_up_after_max_wait_with_a_transient_error(runway, runway_stub, clock):
    """A task still running after max_wait raises a transient timeout (the task id stays usable)."""
    runway_stub.configure(polls_to_succeed=1000)
    request = RenderRequest(prompt="Slow.", seed=8)

    with pytest.raises(TransientProviderError) as caught:
        runway.wait(runway.start(request), request)

    assert caught.value.code == "timeout"
    assert sum(clock.sleeps) == pytest.approx(600.0)


def test_busy_provider_during_polling_is_waited_out(runway, runway_stub, clock):
    """Polls that keep failing with 503 do not abort the wait: the task is already paid for."""
    request = RenderRequest(prompt="Dunes.", seed=8)
    task_id = runway.start(request)
    runway_stub.fail_next(503, 6, retry_after="2", path="/v1/tasks/")
    progress: list[tuple[float, str]] = []

    result = runway.wait(task_id, request, lambda f, t: progress.append((f, t)))

    assert result.task_id == task_id
    assert progress[0] == (0.0, "Runway is not answering right now; still waiting")


def test_flaky_provider_still_delivers_99_of_100_renders(runway_stub, tmp_path):
    """With 30% of calls failing transiently (429, 503, THROTTLED), at least 99 of 100 renders complete."""
    runway_stub.configure(flaky_rate=0.3, seed=2024, polls_to_succeed=2, retry_after="1")
    provider = RunwayProvider(
        runway_stub.api_key, base_url=runway_stub.url, poll_interval=0.001, max_wait=30.0,
        max_attempts=8, backoff_base=0.001, backoff_max=0.004,
    )
    delivered = 0
    for number in range(100):
        request = RenderRequest(prompt=f"Shot {number}.", seed=number)
        try:
            render(provider, request, tmp_path / f"{number}.mp4")
        except TransientProviderError:
            continue
        delivered += 1

    assert delivered >= 99
    failed_calls = [c for c in runway_stub.requests if c.status in (429, 503)]
    assert len(failed_calls) > 100  # the flakiness really happened
    assert all(runway_stub.creation_count(f"Shot {n}.", n) <= 1 for n in range(100))
