"""Error reports reach a Sentry endpoint with the request id the log line carries, and nothing personal."""
from __future__ import annotations

import time

import pytest
import sentry_sdk

from app.extensions import db
from app.models import GenerationJob
from app.observability import errors, logs
from app.storage import LocalStorage
from tests.observability.conftest import json_lines
from tests.observability.sentry_receiver import SentryReceiver

SECRET_PROMPT = "Mara hides the emerald key beneath the lighthouse stairs."


@pytest.fixture
def sentry(app):
    """Sentry pointed at a local receiver for this test, switched off afterwards."""
    with SentryReceiver() as receiver:
        app.config.update(SENTRY_DSN=receiver.dsn, RELEASE="storyforge@1.2.3", SENTRY_ENVIRONMENT="staging")
        assert errors.configure(app.config)
        yield receiver
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # an inactive client: later tests send nothing


def wait_for_events(receiver: SentryReceiver, count: int, timeout: float = 10.0) -> list[dict]:
    sentry_sdk.flush(timeout)
    deadline = time.monotonic() + timeout
    while len(receiver.events()) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return receiver.events()


def test_a_500_in_a_view_arrives_with_the_request_id_of_its_log_line(app, client, auth, user, sentry, capsys):
    """The event names the release, environment, request id and account id, and no email or form body."""
    logs.configure("json")

    @app.post("/test-boom")
    def boom():
        raise RuntimeError("the kettle exploded")

    auth.login()
    response = client.post("/test-boom", data={"prompt": SECRET_PROMPT, "csrf_token": auth.csrf("/")})
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    logged = [line for line in json_lines(capsys.readouterr().err) if line.get("logger") == "app"]
    assert [line["request_id"] for line in logged] == [request_id]
    [event] = wait_for_events(sentry, 1)
    assert event["tags"]["request_id"] == request_id
    assert event["release"] == "storyforge@1.2.3" and event["environment"] == "staging"
    assert event["user"] == {"id": str(user.id)}
    assert "the kettle exploded" in str(event)
    everything = b"".join(sentry.raw).decode()
    assert user.email not in everything and SECRET_PROMPT not in everything and "emerald" not in everything


def test_a_failing_job_arrives_with_the_request_id_of_the_request_that_queued_it(
        app, start_scene, observed_worker, sentry, monkeypatch, capsys):
    """Storage that cannot write fails the generation; the report and the worker's log line carry the id
    of the request that created the scene, and the prompt text is in neither the report nor its variables."""
    logs.configure("json")
    app.config["JOB_RETRY_DELAYS"] = [0]  # one retry, then the row fails

    def disk_full(self, key, path, content_type=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(LocalStorage, "put_file", disk_full)
    response = start_scene(SECRET_PROMPT, headers={"X-Request-ID": "create-scene-9001"})
    assert response.status_code == 302
    capsys.readouterr()
    observed_worker()
    job = db.session.query(GenerationJob).one()
    assert job.status == "failed" and job.error_code == "internal_error"
    logged = [line for line in json_lines(capsys.readouterr().err) if line.get("level") == "ERROR"]
    assert logged and {line["request_id"] for line in logged} == {"create-scene-9001"}
    events = wait_for_events(sentry, 1)
    assert events and all(event["tags"]["request_id"] == "create-scene-9001" for event in events)
    assert any("No space left on device" in str(event) for event in events)
    assert all(event["tags"]["job_id"] == job.rq_job_id for event in events)
    assert all(event["user"] == {"id": str(job.user_id)} for event in events)
    assert SECRET_PROMPT not in b"".join(sentry.raw).decode()
