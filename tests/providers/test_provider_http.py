"""The shared retry helper (HttpClient) against a real local server and a closed port."""
from __future__ import annotations

import socket
import time
from email.utils import formatdate

import pytest

from app.providers.errors import PermanentProviderError, TransientProviderError
from app.providers.http import HttpClient, parse_retry_after
from app.providers.video.base import RenderRequest
from app.providers.video.runway import RunwayProvider


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_retry_after_accepts_seconds_and_http_dates():
    """Retry-After is read as delta-seconds or as an HTTP date; junk is ignored."""
    now = time.time()
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(formatdate(now + 10, usegmt=True), now=now) == pytest.approx(10.0, abs=1.0)
    assert parse_retry_after(formatdate(now - 10, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_full_jitter_stays_within_the_exponential_cap(clock):
    """Without Retry-After each delay is uniform in [0, min(cap, base * 2^(n-1))]."""
    draws = iter([1.0, 1.0, 1.0, 1.0, 0.0])
    http = HttpClient("X", backoff_base=1.0, backoff_max=5.0, random=lambda: next(draws))

    assert [http.backoff(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 0.0]
    assert http.backoff(1, retry_after=100.0) == 5.0


def test_unreachable_server_is_transient_after_all_attempts(clock):
    """Connection refused is retried with backoff, then raised as a transient 'unreachable' error."""
    http = HttpClient("X", max_attempts=3, backoff_base=1.0, sleep=clock.sleep, random=lambda: 1.0)

    with pytest.raises(TransientProviderError) as caught:
        http.call("GET", f"http://127.0.0.1:{closed_port()}/v1/tasks/1")

    assert caught.value.code == "unreachable"
    assert clock.sleeps == [1.0, 2.0]


def test_read_timeout_on_a_poll_is_retried(runway_stub, clock):
    """A GET that times out is simply asked again."""
    http = HttpClient("Runway", timeout=(1.0, 0.2), sleep=clock.sleep)
    runway_stub.stall_next(0.5, path="/v1/tasks/")

    response = http.call("GET", runway_stub.url + "/v1/tasks/nope", accept=(401,))

    assert response.status_code == 401
    assert len(clock.sleeps) == 1


def test_read_timeout_on_task_creation_is_not_resent(runway_stub, clock):
    """A POST that times out is not sent twice (it may have created a paid task): 'submit_uncertain' instead."""
    provider = RunwayProvider(
        runway_stub.api_key, base_url=runway_stub.url, read_timeout=0.2, sleep=clock.sleep, clock=clock.monotonic
    )
    runway_stub.stall_next(0.5, path="/v1/text_to_video")

    with pytest.raises(TransientProviderError) as caught:
        provider.start(RenderRequest(prompt="Once.", seed=1))

    assert caught.value.code == "submit_uncertain"
    time.sleep(0.5)  # let the stalled request finish on the server
    assert runway_stub.creation_count("Once.") == 1
    assert len(runway_stub.calls("POST")) == 1


def test_client_errors_are_permanent_with_the_providers_message(runway_stub, clock):
    """A 400 carries the provider's own explanation and is never retried."""
    http = HttpClient("Runway", sleep=clock.sleep)

    with pytest.raises(PermanentProviderError) as caught:
        http.call(
            "POST", runway_stub.url + "/v1/text_to_video", json={"model": "gen4.5"},
            headers={"Authorization": f"Bearer {runway_stub.api_key}", "X-Runway-Version": "2024-11-06"},
        )

    assert caught.value.code == "http_400"
    assert "promptText is required" in caught.value.message
    assert clock.sleeps == []
