"""The pipeline against a provider that behaves like a real one: long queues, output links that expire
while a slow download runs, cancels, a language model that fails, a provider that fetches its own frame."""
from __future__ import annotations

import time

import pytest

from app.auth.accounts import create_api_token
from app.extensions import db
from app.models import GenerationJob, Scene, Segment, User
from app.story.writing import continue_scene, discard_segment
from tests.factories import make_scene, make_topic, make_user
from tests.generation.workers import job_row, start_worker, stop_worker, wait_for


@pytest.mark.slow
def test_two_workers_against_a_throttling_runway_with_expiring_links(app, runway_stub, tmp_path):
    """Two workers, tasks THROTTLED for several times STALE_JOB_SECONDS, links that expire mid-download, a
    discard mid-render: one create and one download per segment, no takeover, heads never on a failed segment.

    The provider's "several minutes" in the queue is scaled down: STALE_JOB_SECONDS is 5 s (above what one media
    stage takes here even on a busy machine, since only provider waits and downloads report while they run) and
    each task stays THROTTLED for 15 s; the first two downloads of every output take 1.5 s but their links last
    0.6 s. Starting two workers on a busy machine can take a while, hence the generous first wait.
    """
    app.config.update(GENERATION_IN_FLIGHT_LIMIT=10)
    runway_stub.configure(throttled_seconds=15.0, polls_to_succeed=2, output_ttl=0.6, download_seconds=1.5,
                          slow_downloads=2)
    env = {"VIDEO_PROVIDER": "runway", "RUNWAY_API_KEY": app.config["RUNWAY_API_KEY"],
           "RUNWAY_API_BASE": runway_stub.url, "PROVIDER_POLL_SECONDS": "0.2", "STALE_JOB_SECONDS": "5",
           "PROVIDER_BACKOFF_BASE": "0.05", "PROVIDER_BACKOFF_MAX": "0.2"}
    user = make_user("mara")
    topic = make_topic()
    doomed, *started = [make_scene(user, title=f"Harbour {n}", prompt=f"The harbour at dawn, shot {n}.", topic=topic)
                        for n in range(3)]
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    workers = [start_worker(app, env, log=log) for log in logs]
    messages, heads = set(), set()

    def watch():
        """The jobs, after noting their messages and the status of every scene's head."""
        db.session.expire_all()
        jobs = [db.session.get(GenerationJob, s.job.id) for s in started]
        messages.update(j.message for j in jobs)
        for scene in db.session.query(Scene).filter(Scene.head_segment_id.is_not(None)):
            heads.add(db.session.get(Segment, scene.head_segment_id).status)
        return jobs

    try:
        task_id = wait_for(lambda: watch() and job_row(doomed.job.id).provider_task_id, 90, "the doomed segment's task")
        discard_segment(db.session.get(Segment, doomed.segment.id), db.session.get(User, user.id))
        assert runway_stub.calls("DELETE", f"/v1/tasks/{task_id}"), "discard did not cancel the task at once"
        cancelled_at = len(runway_stub.calls("GET", f"/v1/tasks/{task_id}"))
        jobs = wait_for(lambda: (found := watch()) and not any(j.active for j in found) and found, 120,
                        "the other segments", interval=0.1)
    finally:
        for proc in workers:
            stop_worker(proc)
    assert [(j.status, j.attempts) for j in jobs] == [("succeeded", 1)] * 2, [j.error_message for j in jobs]
    assert "waiting in the provider's queue" in messages
    assert heads == {"ready"}
    for job in jobs:
        assert runway_stub.creation_count(job.segment.expanded_prompt, job.segment.seed) == 1
        assert runway_stub.completed_downloads[job.provider_task_id] == 1
    assert sum(runway_stub.creations.values()) == 3
    assert runway_stub.downloads >= 6  # every link expired twice mid-download and was renewed
    assert len(runway_stub.calls("GET", f"/v1/tasks/{task_id}")) <= cancelled_at + 1  # at most one poll in flight
    assert all("resuming generation" not in log.read_text() for log in logs)  # no worker took another's job


@pytest.mark.parametrize("mode", ["outage", "html"])
def test_llm_failure_falls_back_to_the_local_expander(app, client, user, llm_stub, worker, mode):
    """With the LLM answering 500 or an HTML page, segments render through the local expander (and say so) and
    the prompt check answers 200 within the LLM's time budget."""
    llm_stub.configure(mode=mode)
    started = make_scene(user, prompt="Mara, in a red coat, waits on the pier.")
    job_id, segment_id, user_id = started.job.id, started.segment.id, user.id
    worker()
    job = db.session.get(GenerationJob, job_id)
    assert job.status == "succeeded", job.error_message
    segment = db.session.get(Segment, segment_id)
    assert segment.plan["expander"] == "local"
    assert segment.plan["expander_fallback"].startswith("The language model was unavailable")
    assert "Mara" in segment.expanded_prompt

    token = create_api_token(db.session.get(User, user_id), "check").raw
    began = time.monotonic()
    answer = client.post("/api/v1/check", json={"prompt": "Mara walks along the quay."},
                         headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    assert "Mara walks along the quay" in answer.get_json()["expanded_prompt"]
    assert time.monotonic() - began < app.config["LLM_MAX_SECONDS"] + 2
    assert llm_stub.calls("POST")  # the LLM was asked first


def test_working_llm_writes_the_expanded_prompt(app, user, llm_stub, worker):
    """When the LLM answers, it writes the prompt and the plan names it, with no fallback recorded."""
    job_id = make_scene(user, prompt="Mara, in a red coat, waits on the pier.").job.id
    worker()
    segment = db.session.get(GenerationJob, job_id).segment
    assert segment.plan["expander"] == "openai" and "expander_fallback" not in segment.plan
    assert "filmed in a slow dolly shot" in segment.expanded_prompt


def test_luma_fetches_the_reference_frame_from_a_signed_url(app, user, luma_stub, live_server, worker):
    """A continuation's first frame goes to Luma as a signed media URL under PUBLIC_BASE_URL, which Luma fetches."""
    app.config.update(PUBLIC_BASE_URL=live_server)
    luma_stub.configure(fetch_keyframes=True, accept_data_uris=False, queued_polls=0, polls_to_succeed=1)
    scene_id, user_id = make_scene(user, prompt="Mara waits on the pier.").scene.id, user.id
    worker()
    scene = db.session.get(Scene, scene_id)
    job_id = continue_scene(scene, db.session.get(User, user_id), "The ferry horn sounds.", scene.head_segment_id).job.id
    worker()
    assert db.session.get(GenerationJob, job_id).status == "succeeded"
    [(url, status, content_type)] = luma_stub.fetched_keyframes
    assert url.startswith(f"{live_server}/media/segments/") and "sig=" in url
    assert (status, content_type) == (200, "image/jpeg")


def test_luma_continuation_without_a_public_address_fails_clearly(app, user, luma_stub, worker):
    """Without PUBLIC_BASE_URL (and with local media) Luma cannot fetch the frame: the continuation fails saying so,
    and nothing is sent to Luma."""
    app.config.update(PUBLIC_BASE_URL=None)
    scene_id, user_id = make_scene(user, prompt="Mara waits on the pier.").scene.id, user.id
    worker()
    scene = db.session.get(Scene, scene_id)
    job_id = continue_scene(scene, db.session.get(User, user_id), "The ferry horn sounds.", scene.head_segment_id).job.id
    creates = len(luma_stub.calls("POST"))
    worker()
    job = db.session.get(GenerationJob, job_id)
    assert (job.status, job.error_code) == ("failed", "reference_unreachable") and "PUBLIC_BASE_URL" in job.error_message
    assert len(luma_stub.calls("POST")) == creates


def test_runway_models_for_both_routes_come_from_configuration(app, user, runway_stub, worker):
    """RUNWAY_TEXT_MODEL renders first segments and RUNWAY_MODEL continuations."""
    app.config.update(RUNWAY_TEXT_MODEL="veo3.1_fast", RUNWAY_MODEL="gen4.5")
    scene_id, user_id = make_scene(user, prompt="Mara waits on the pier.").scene.id, user.id
    worker()
    scene = db.session.get(Scene, scene_id)
    continue_scene(scene, db.session.get(User, user_id), "The ferry horn sounds.", scene.head_segment_id)
    worker()
    [text] = runway_stub.calls("POST", "/v1/text_to_video")
    [image] = runway_stub.calls("POST", "/v1/image_to_video")
    assert (text.json["model"], image.json["model"]) == ("veo3.1_fast", "gen4.5")
    assert db.session.get(Scene, scene_id).segment_count == 2
