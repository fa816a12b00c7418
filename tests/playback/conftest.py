import pytest

from tests.factories import build_scene


@pytest.fixture
def three_segments(app, user, worker) -> int:
    app.config["GENERATION_IN_FLIGHT_LIMIT"] = 10
    return build_scene(user, worker)
