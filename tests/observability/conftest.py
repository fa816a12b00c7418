"""Fixtures for the operations tests: a worker that carries request ids, metric readings, new scenes."""
from __future__ import annotations

import json

import pytest
from flask import g
from prometheus_client import REGISTRY

from tests.conftest import csrf_token_from
from tests.factories import make_topic


def metric(name: str, **labels) -> float:
    """A sample's current value in this process (0 when it was never written)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def observed_worker():
    """Run the production worker class in this process until the queues are empty."""

    def run(queues=("generate",)) -> None:
        from app.extensions import redis_client
        from app.observability.jobs import ObservedWorker

        ObservedWorker(list(queues), connection=redis_client()).work(burst=True, with_scheduler=False)
        g.pop("_login_user", None)

    return run


@pytest.fixture
def start_scene(client, auth, user):
    """Create a scene through the new-scene form as ``user``; returns the response (302 on success)."""

    def start(prompt: str = "Mara waits on the pier at dusk.", headers: dict | None = None):
        make_topic("sea-stories", "Sea Stories")
        auth.login()
        page = client.get("/scenes/new").get_data(as_text=True)
        return client.post("/scenes/new", headers=headers or {}, data={
            "title": "Harbour", "topic": "sea-stories", "prompt": prompt, "visibility": "public",
            "characters": "", "locations": "", "style": "", "csrf_token": csrf_token_from(page)})

    return start


def json_lines(text: str) -> list[dict]:
    """The JSON objects among ``text``'s lines (other lines ignored)."""
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
    return found


RUNWAY_KEY = "sk-stub-runway"


@pytest.fixture(scope="session")
def runway_server():
    from tests.stubs.runway_stub import RunwayStub

    with RunwayStub(api_key=RUNWAY_KEY) as stub:
        yield stub


@pytest.fixture
def runway_stub(app, runway_server):
    """The Runway stub, reset, with the app pointed at it."""
    runway_server.reset()
    app.config.update(VIDEO_PROVIDER="runway", RUNWAY_API_KEY=RUNWAY_KEY, RUNWAY_API_BASE=runway_server.url,
                      JOB_RETRY_DELAYS=[0, 0, 0])
    return runway_server
