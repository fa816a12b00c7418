"""Scenes, continuation, jobs, retry and discard over the JSON API."""
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest

from app.auth.accounts import create_api_token
from app.extensions import db
from app.models import GenerationJob, Scene, Segment
from tests.factories import by_public_id, make_topic, make_user


@pytest.fixture
def topic(app):
    return make_topic("noir-city", "Noir City")


@pytest.fixture
def bearer(user):
    return {"Authorization": f"Bearer {create_api_token(user, 'tests').raw}"}


def _create(client, headers, **overrides):
    body = {"title": "Rain on Fifth", "topic": "noir-city", "prompt": "Detective Ray waits under a neon sign.",
            "visibility": "public", **overrides}
    return client.post("/api/v1/scenes", json=body, headers=headers)


def test_create_scene_answers_202_with_scene_segment_and_job(client, bearer, topic):
    """POST /api/v1/scenes queues the first segment and says so."""
    resp = _create(client, bearer)
    assert resp.status_code == 202
    data = resp.json
    assert data["scene"]["title"] == "Rain on Fifth" and data["scene"]["topic"] == "noir-city"
    assert data["segment"]["position"] == 1 and data["segment"]["status"] == "pending"
    assert data["job"]["status"] == "queued" and data["job"]["segment_id"] == data["segment"]["id"]


def test_scene_reads_back_with_ordered_ready_segments(client, bearer, topic, worker):
    """After the worker runs, GET /api/v1/scenes/<id> lists the ready segment with media URLs."""
    scene_id = _create(client, bearer).json["scene"]["id"]
    worker()
    data = client.get(f"/api/v1/scenes/{scene_id}", headers=bearer).json["scene"]
    (segment,) = data["segments"]
    assert segment["status"] == "ready" and segment["author"]["username"] == "mara"
    assert segment["media"]["video"].startswith("/media/segments/") and segment["duration"] == pytest.approx(5.0, abs=0.1)
    video = client.get(segment["media"]["video"])
    assert video.status_code == 200 and video.mimetype == "video/mp4"


def test_job_status_endpoint(client, bearer, topic, worker):
    """GET /api/v1/jobs/<id> reports status, stage, progress, message and error."""
    job_id = _create(client, bearer).json["job"]["id"]
    queued = client.get(f"/api/v1/jobs/{job_id}").json
    assert queued["status"] == "queued" and queued["error"] is None
    worker()
    done = client.get(f"/api/v1/jobs/{job_id}").json
    assert {k: done[k] for k in ("status", "stage", "progress", "message")} == {
        "status": "succeeded", "stage": "publish", "progress": 100, "message": "Ready to watch"}


@pytest.mark.parametrize(("prompt", "code"), [
    ("", "empty_prompt"), ("   \n\t ", "empty_prompt"), ("x" * 1001, "prompt_too_long"),
    ("Ray decides to behead the informant.", "prompt_refused"),
])
def test_bad_prompts_are_422_with_clear_messages(client, bearer, topic, prompt, code):
    """Empty, oversized and refused prompts answer 422 with a reason, and create nothing."""
    resp = _create(client, bearer, prompt=prompt)
    assert resp.status_code == 422 and resp.json["error"]["code"] == code
    assert resp.json["error"]["message"]
    assert db.session.query(Scene).count() == 0


def test_prompt_of_exactly_1000_characters_is_accepted(client, bearer, topic):
    """The limit counts characters after trimming: 1000 is fine."""
    assert _create(client, bearer, prompt="  " + "y" * 1000 + "  ").status_code == 202


def test_malformed_json_is_400(client, bearer, topic):
    """A body that isn't a JSON object is a 400 JSON error."""
    resp = client.post("/api/v1/scenes", data="{not json", headers={**bearer, "Content-Type": "application/json"})
    assert resp.status_code == 400 and resp.json["error"]["code"] == "invalid_json"


def test_unknown_topic_and_visibility_are_422(client, bearer, topic):
    """Invalid fields name the field."""
    assert _create(client, bearer, topic="nope").json["error"]["field"] == "topic"
    assert _create(client, bearer, visibility="secret").json["error"]["field"] == "visibility"


def test_continue_on_stale_head_is_409_scene_moved(client, bearer, topic, worker):
    """Continuing after a segment that is no longer the head answers 409 with the new head."""
    scene_id = _create(client, bearer).json["scene"]["id"]
    worker()
    head = client.get(f"/api/v1/scenes/{scene_id}").json["scene"]["head_segment_id"]
    ok = client.post(f"/api/v1/scenes/{scene_id}/segments", json={"prompt": "Ray lights a match.", "after_segment_id": head}, headers=bearer)
    assert ok.status_code == 202
    worker()
    stale = client.post(f"/api/v1/scenes/{scene_id}/segments", json={"prompt": "Ray runs.", "after_segment_id": head}, headers=bearer)
    assert stale.status_code == 409
    assert stale.json["error"]["code"] == "scene_moved"
    assert stale.json["head_segment_id"] == ok.json["segment"]["id"]


def test_ten_simultaneous_continuations_give_one_202_and_nine_409(app, client, bearer, topic, worker):
    """The unique (scene, position) claim lets exactly one of ten racing continuations through."""
    app.config["GENERATION_IN_FLIGHT_LIMIT"] = 50
    scene_id = _create(client, bearer).json["scene"]["id"]
    worker()
    head = client.get(f"/api/v1/scenes/{scene_id}").json["scene"]["head_segment_id"]
    writers = [make_user(f"writer{i}") for i in range(10)]
    tokens = [create_api_token(w, "race").raw for w in writers]
    barrier = Barrier(10)

    def attempt(token):
        with app.test_client() as c:
            barrier.wait()
            return c.post(f"/api/v1/scenes/{scene_id}/segments",
                          json={"prompt": "Everyone writes at once.", "after_segment_id": head},
                          headers={"Authorization": f"Bearer {token}"}).status_code

    with ThreadPoolExecutor(10) as pool:
        statuses = sorted(pool.map(attempt, tokens))
    assert statuses == [202] + [409] * 9
    assert db.session.query(Segment).filter_by(scene_id=by_public_id(Scene, scene_id).id, position=2).count() == 1


def test_discard_failed_segment_releases_the_slot(app, client, bearer, topic, worker):
    """A failed segment can be discarded by its author; then the scene can be continued again."""
    scene_id = _create(client, bearer).json["scene"]["id"]
    worker()
    head = client.get(f"/api/v1/scenes/{scene_id}").json["scene"]["head_segment_id"]
    seg = client.post(f"/api/v1/scenes/{scene_id}/segments", json={"prompt": "Ray opens the door.", "after_segment_id": head}, headers=bearer).json["segment"]
    row = by_public_id(Segment, seg["id"])
    row.prompt = "Ray decides to behead the informant."  # the filter refuses it at stage 1
    db.session.commit()
    worker()
    assert client.get(f"/api/v1/scenes/{scene_id}").json["scene"]["segments"][-1]["status"] == "failed"
    blocked = client.post(f"/api/v1/scenes/{scene_id}/segments", json={"prompt": "Another idea.", "after_segment_id": head}, headers=bearer)
    assert blocked.status_code == 409
    assert client.delete(f"/api/v1/segments/{seg['id']}", headers=bearer).status_code == 204
    again = client.post(f"/api/v1/scenes/{scene_id}/segments", json={"prompt": "Another idea.", "after_segment_id": head}, headers=bearer)
    assert again.status_code == 202


def test_retry_resumes_a_failed_segment(app, client, bearer, topic, worker):
    """Retry re-queues a failed segment's job and it completes."""
    data = _create(client, bearer).json
    job = by_public_id(GenerationJob, data["job"]["id"])
    job.segment.prompt = "Ray decides to behead the informant."
    db.session.commit()
    worker()
    row = by_public_id(Segment, data["segment"]["id"])
    assert row.status == "failed"
    row.prompt = "Ray decides to leave the informant alone."
    db.session.commit()
    resp = client.post(f"/api/v1/segments/{data['segment']['id']}/retry", headers=bearer)
    assert resp.status_code == 202 and resp.json["job"]["status"] == "queued"
    worker()
    assert client.get(f"/api/v1/jobs/{data['job']['id']}").json["status"] == "succeeded"


def test_only_the_author_or_owner_may_retry_or_discard(client, bearer, topic, worker):
    """Someone else gets 403 on retry and discard."""
    seg_id = _create(client, bearer).json["segment"]["id"]
    other = {"Authorization": f"Bearer {create_api_token(make_user('eve'), 'x').raw}"}
    assert client.delete(f"/api/v1/segments/{seg_id}", headers=other).status_code == 403
    assert client.post(f"/api/v1/segments/{seg_id}/retry", headers=other).status_code == 403


def test_private_scene_is_404_to_others_in_api_pages_and_media(client, bearer, topic, worker, auth):
    """Another user's private scene answers 404 everywhere: API, page, job and media."""
    data = _create(client, bearer, visibility="private").json
    worker()
    scene_id = data["scene"]["id"]
    owner_view = client.get(f"/api/v1/scenes/{scene_id}", headers=bearer)
    assert owner_view.status_code == 200
    video_url = owner_view.json["scene"]["segments"][0]["media"]["video"]
    assert "sig=" in video_url and client.get(video_url).status_code == 200
    eve = {"Authorization": f"Bearer {create_api_token(make_user('eve'), 'x').raw}"}
    assert client.get(f"/api/v1/scenes/{scene_id}", headers=eve).status_code == 404
    assert client.get(f"/api/v1/jobs/{data['job']['id']}", headers=eve).status_code == 404
    assert client.post(f"/api/v1/scenes/{scene_id}/segments", json={"prompt": "hi", "after_segment_id": None}, headers=eve).status_code == 404
    assert client.get(f"/scenes/{scene_id}").status_code == 404
    assert client.get(video_url.split("?")[0]).status_code == 404
    auth.login("eve")
    assert client.get(f"/scenes/{scene_id}").status_code == 404


def test_generation_limits_answer_429_with_when(app, client, bearer, topic):
    """Past the in-flight and hourly limits the API answers 429 saying when to go on."""
    app.config["GENERATION_IN_FLIGHT_LIMIT"] = 2
    assert _create(client, bearer).status_code == 202
    assert _create(client, bearer).status_code == 202
    busy = _create(client, bearer)
    assert busy.status_code == 429 and "Wait for one to finish" in busy.json["error"]["message"]
    app.config.update(GENERATION_IN_FLIGHT_LIMIT=100, GENERATION_HOURLY_LIMIT=2)
    hourly = _create(client, bearer)
    assert hourly.status_code == 429 and "You can start another at" in hourly.json["error"]["message"]
    assert int(hourly.headers["Retry-After"]) > 0


def test_session_api_post_needs_csrf_header(client, auth, user, topic):
    """A browser session's JSON POST without the CSRF header is refused; with it, accepted."""
    auth.login()
    body = {"title": "T", "topic": "noir-city", "prompt": "A quiet street."}
    assert client.post("/api/v1/scenes", json=body).status_code == 400
    token = auth.csrf("/")
    assert client.post("/api/v1/scenes", json=body, headers={"X-CSRFToken": token}).status_code == 202
