"""Fixtures for the observability tests: a worker that carries request ids, metric readings, new scenes
(the Runway-protocol stub is the suite-wide ``runway_stub``)."""
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
