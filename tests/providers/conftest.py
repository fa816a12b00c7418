"""Fixtures for the provider tests: stub servers (one per session, reset for every test),
a fake clock that records waits, and providers wired to the stubs."""
from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image

from app.providers.llm.openai_compat import OpenAICompatExpander
from app.providers.video.luma import LumaProvider
from app.providers.video.runway import RunwayProvider
from tests.stubs.luma_stub import LumaStub
from tests.stubs.openai_stub import OpenAIStub
from tests.stubs.runway_stub import RunwayStub

API_KEY = "sk-test-provider-key"


class FakeClock:
    """Stands in for ``time.sleep``/``time.monotonic``: waits are recorded, not waited."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def runway_server() -> Iterator[RunwayStub]:
    with RunwayStub(api_key=API_KEY) as stub:
        yield stub


@pytest.fixture(scope="session")
def luma_server() -> Iterator[LumaStub]:
    with LumaStub(api_key=API_KEY) as stub:
        yield stub


@pytest.fixture(scope="session")
def openai_server() -> Iterator[OpenAIStub]:
    with OpenAIStub(api_key=API_KEY) as stub:
        yield stub


@pytest.fixture
def runway_stub(runway_server: RunwayStub) -> RunwayStub:
    runway_server.reset()
    return runway_server


@pytest.fixture
def luma_stub(luma_server: LumaStub) -> LumaStub:
    luma_server.reset()
    return luma_server


@pytest.fixture
def openai_stub(openai_server: OpenAIStub) -> OpenAIStub:
    openai_server.reset()
    return openai_server


@pytest.fixture
def runway(runway_stub: RunwayStub, clock: FakeClock) -> RunwayProvider:
    """Runway with its documented 6 s poll interval, on the fake clock (jitter fixed at half)."""
    return RunwayProvider(
        API_KEY,
        base_url=runway_stub.url,
        poll_interval=6.0,
        max_wait=600.0,
        max_attempts=4,
        backoff_base=1.0,
        backoff_max=30.0,
        sleep=clock.sleep,
        clock=clock.monotonic,
        random=lambda: 0.5,
    )


@pytest.fixture
def luma(luma_stub: LumaStub, clock: FakeClock) -> LumaProvider:
    return LumaProvider(
        API_KEY,
        base_url=luma_stub.api_url,
        poll_interval=5.0,
        max_attempts=4,
        sleep=clock.sleep,
        clock=clock.monotonic,
        random=lambda: 0.5,
    )


@pytest.fixture
def expander(openai_stub: OpenAIStub, clock: FakeClock) -> OpenAICompatExpander:
    return OpenAICompatExpander(
        openai_stub.api_url, "stub-model", api_key=API_KEY, max_attempts=3, sleep=clock.sleep, random=lambda: 0.5
    )


@pytest.fixture
def jpeg_frame() -> bytes:
    """A parent's last frame, as the pipeline would hand it over."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 36), (200, 40, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()
