import pytest

from tests.stubs.runway_stub import RunwayStub

RUNWAY_KEY = "sk-stub-runway"


@pytest.fixture(scope="session")
def runway_server():
    with RunwayStub(api_key=RUNWAY_KEY) as stub:
        yield stub


@pytest.fixture
def runway_stub(app, runway_server):
    """The Runway stub, reset, with the app pointed at it."""
    runway_server.reset()
    app.config.update(VIDEO_PROVIDER="runway", RUNWAY_API_KEY=RUNWAY_KEY, RUNWAY_API_BASE=runway_server.url,
                      JOB_RETRY_DELAYS=[0, 0, 0])
    return runway_server
