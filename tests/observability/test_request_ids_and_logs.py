"""Request ids travel from the request to the response, the log lines, the queued job and provider calls."""
from __future__ import annotations

import logging

from app.extensions import db, queue
from app.models import GenerationJob
from app.observability import logs
from tests.observability.conftest import json_lines


def test_a_request_id_is_made_returned_and_kept_when_the_client_sends_one(client):
    """No header: a fresh id comes back; a well-formed one is kept; a malformed one is replaced."""
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/healthz").headers["X-Request-ID"]
    assert client.get("/healthz", headers={"X-Request-ID": "edge-7f3a9c21"}).headers["X-Request-ID"] == "edge-7f3a9c21"
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" level="CRITICAL'}).headers["X-Request-ID"]
    assert forged != 'x" level="CRITICAL' and len(forged) == 32


def test_an_unhandled_error_is_one_json_line_with_the_request_id(app, client, capsys):
    """A 500 writes one JSON object per line carrying the id the response returned, with its traceback."""
    logs.configure("json")

    @app.get("/test-boom")
    def boom():
        raise RuntimeError("the kettle exploded")

    response = client.get("/test-boom")
    assert response.status_code == 500
    lines = [line for line in json_lines(capsys.readouterr().err) if line.get("logger") == "app"]
    assert len(lines) == 1
    line = lines[0]
    assert line["level"] == "ERROR" and line["request_id"] == response.headers["X-Request-ID"]
    assert "unhandled error on GET /test-boom" in line["message"] and "the kettle exploded" in line["exc_info"]


def test_text_logs_for_people_carry_the_request_id_too(app, client, capsys):
    """LOG_FORMAT=text writes readable lines with the id in brackets."""
    logs.configure("text")
    with app.test_request_context(headers={"X-Request-ID": "text-req-0001"}):
        app.preprocess_request()
        logging.getLogger("app.story").warning("the tide is late")
    logs.configure("json")
    assert "WARNING app.story [text-req-0001] the tide is late" in capsys.readouterr().err


def test_a_queued_generation_carries_the_request_id_into_its_job_and_provider_calls(
        app, client, start_scene, observed_worker, runway_stub, capsys):
    """The id of the request that created a scene is in the job's meta, on the worker's log lines and in
    the X-Request-ID header of every call the job makes to the video provider."""
    logs.configure("json")
    response = start_scene(headers={"X-Request-ID": "create-scene-0042"})
    assert response.status_code == 302 and response.headers["X-Request-ID"] == "create-scene-0042"
    job = db.session.query(GenerationJob).one()
    rq_job = queue("generate").fetch_job(job.rq_job_id)
    assert rq_job.meta["request_id"] == "create-scene-0042" and rq_job.meta["user_id"] == job.user_id
    capsys.readouterr()
    observed_worker()
    db.session.expire_all()
    assert db.session.get(GenerationJob, job.id).status == "succeeded"
    calls = runway_stub.calls()
    assert calls and all({k.lower(): v for k, v in call.headers.items()}.get("x-request-id") == "create-scene-0042"
                         for call in calls)
    worker_lines = [line for line in json_lines(capsys.readouterr().err) if line.get("job_id") == job.rq_job_id]
    assert worker_lines and {line["request_id"] for line in worker_lines} == {"create-scene-0042"}
