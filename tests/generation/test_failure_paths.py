"""Every failure the pipeline can meet, each through a real RQ worker (the in-process `worker` fixture runs
RQ's own worker loop, retries and failure callback on the test's Redis; tests that need a worker to die, stall
or be overtaken start `flask worker` processes)."""
from __future__ import annotations

import shutil

import pytest
from rq import Worker
from rq.job import Job

from app.continuity.store import bible_at, correct_bible
from app.extensions import db, redis_client
from app.generation.recovery import MAX_ATTEMPTS
from app.generation.submit import cancel_generation
from app.models import GenerationJob, Scene, Segment, User
from app.story.writing import continue_scene, discard_segment, retry_segment
from tests.factories import make_scene
from tests.generation.workers import StagePause, job_row, start_worker, stop_worker, wait_for


def _job(job_id: int) -> GenerationJob:
    db.session.expire_all()
    return db.session.get(GenerationJob, job_id)


def _state_of(proc) -> str | None:
    """The RQ state of the worker running in process ``proc``."""
    return next((w.get_state() for w in Worker.all(connection=redis_client()) if w.pid == proc.pid), None)


def _creates(stub) -> int:
    return sum(stub.creations.values())


def test_transient_failure_takes_the_queue_retry_path_and_keeps_its_task(app, user, runway_stub, worker):
    """Downloads that keep breaking off end the first attempt; RQ runs the job again, which reuses the task."""
    app.config.update(PROVIDER_RETRY_ATTEMPTS=2)
    runway_stub.cut_next_downloads(2)
    job_id = make_scene(user, prompt="Mara crosses the bridge at dusk.").job.id
    worker()
    job = _job(job_id)
    assert job.status == "succeeded", job.error_message
    assert job.attempts == 2 and job.error_code == "download_failed"  # the first attempt's reason is kept
    assert _creates(runway_stub) == 1 and runway_stub.downloads == 3


def test_transient_failure_on_the_last_try_fails_with_a_reason(app, user, runway_stub, worker):
    """When every queue retry meets the same transient failure the job fails, saying it tried several times."""
    app.config.update(PROVIDER_RETRY_ATTEMPTS=1)
    runway_stub.cut_next_downloads(10)
    job_id = make_scene(user, prompt="Mara crosses the bridge at dusk.").job.id
    worker()
    job = _job(job_id)
    assert (job.status, job.error_code, job.attempts) == ("failed", "download_failed", 4)
    assert "We tried several times" in job.error_message and job.segment.status == "failed"
    assert _creates(runway_stub) == 1


def test_ended_task_is_replaced_by_a_new_one_on_retry(app, user, runway_stub, worker):
    """A task that failed for an internal reason is over: each retry starts a new one, the last failure is shown."""
    job_id = make_scene(user, prompt="Mara walks into the storm [[internal]]").job.id
    worker()
    job = _job(job_id)
    assert (job.status, job.error_code, job.attempts) == ("failed", "INTERNAL.BAD_OUTPUT.CODE01", 4)
    assert _creates(runway_stub) == 4 and job.provider_task_id is None


def test_submit_timeout_is_not_resent_and_says_we_may_have_been_charged(app, user, runway_stub, worker):
    """A create whose answer times out fails at once, unresent; the writer's retry is the consent to a new one."""
    app.config.update(PROVIDER_READ_TIMEOUT=0.5)
    runway_stub.stall_next(1.5, path="/v1/text_to_video")
    started = make_scene(user, prompt="Mara crosses the bridge at dusk.")
    job_id, segment_id, user_id = started.job.id, started.segment.id, user.id
    worker()
    job = _job(job_id)
    assert (job.status, job.error_code, job.attempts) == ("failed", "submit_uncertain", 1)
    assert "may have started a render (and charged for it)" in job.error_message
    wait_for(lambda: _creates(runway_stub) == 1, 5, "the stalled create to land at the provider")

    retry_segment(db.session.get(Segment, segment_id), db.session.get(User, user_id))
    worker()
    assert _job(job_id).status == "succeeded" and _creates(runway_stub) == 2


def test_create_interrupted_before_its_id_was_stored_is_not_resent(app, user, runway_stub, worker):
    """A row marked as submitting but holding no task id (a worker died mid-create) fails instead of paying twice."""
    job_id = make_scene(user, prompt="Mara crosses the bridge at dusk.").job.id
    job = _job(job_id)
    job.stage, job.artifacts = "reference", {"submitting": "2026-01-01T00:00:00+00:00"}
    db.session.commit()
    worker()
    job = _job(job_id)
    assert (job.status, job.error_code) == ("failed", "submit_uncertain") and _creates(runway_stub) == 0


def test_expander_outage_fails_when_no_fallback_is_allowed(app, user, llm_stub, worker):
    """With LLM_FALLBACK=none an LLM answering 500 is retried by the queue, then fails the segment with the reason."""
    app.config.update(LLM_FALLBACK="none", PROVIDER_RETRY_ATTEMPTS=2)
    llm_stub.configure(mode="outage")
    job_id = make_scene(user, prompt="Mara crosses the bridge at dusk.").job.id
    worker()
    job = _job(job_id)
    assert (job.status, job.error_code, job.attempts) == ("failed", "expander_unavailable", 4)


def test_expander_refusal_fails_at_once_when_no_fallback_is_allowed(app, user, llm_stub, worker):
    """An LLM that refuses is a permanent expander failure: one attempt, the model's words shown."""
    app.config.update(LLM_FALLBACK="none")
    llm_stub.configure(mode="refusal")
    job_id = make_scene(user, prompt="Mara crosses the bridge at dusk.").job.id
    worker()
    job = _job(job_id)
    assert (job.status, job.error_code, job.attempts) == ("failed", "expander_failed", 1)
    assert "refused" in job.error_message


def test_unreadable_video_is_a_media_error(app, user, runway_stub, worker):
    """A provider output that is not a video fails at normalize with media_error, without a retry."""
    runway_stub.configure(corrupt_outputs=True)
    job_id = make_scene(user, prompt="Mara crosses the bridge at dusk.").job.id
    worker()
    job = _job(job_id)
    assert (job.status, job.error_code, job.attempts) == ("failed", "media_error", 1)
    assert job.error_message.startswith("The rendered video could not be processed")


def test_too_short_video_fails_its_checks(app, user, runway_stub, worker):
    """A 0.2 s clip passes normalize but not the check stage: bad_output, naming the duration."""
    runway_stub.configure(output_seconds=0.2)
    job_id = make_scene(user, prompt="Mara crosses the bridge at dusk.").job.id
    worker()
    job = _job(job_id)
    assert (job.status, job.error_code) == ("failed", "bad_output") and "duration 0." in job.error_message


def test_unexpected_error_is_retried_then_fails_readably(app, user, worker, tmp_path):
    """A storage folder that cannot be written (an OSError no stage expects) is retried, then fails as internal_error."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the media folder should be")
    app.config.update(MEDIA_ROOT=str(blocked), JOB_RETRY_DELAYS=[0, 0])
    job_id = make_scene(user).job.id
    worker()
    job = _job(job_id)
    assert (job.status, job.error_code, job.attempts) == ("failed", "internal_error", 3)
    assert "An unexpected error stopped generation (NotADirectoryError)." in job.error_message


def test_failure_outside_the_stages_is_recorded_by_the_failure_callback(app, user, worker, tmp_path):
    """When the run cannot even start (its work folder cannot be made) RQ gives up and the callback fails the row."""
    blocked = tmp_path / "work-is-a-file"
    blocked.write_text("")
    app.config.update(WORK_DIR=blocked, JOB_RETRY_DELAYS=[0])
    started = make_scene(user)
    job_id, segment_id = started.job.id, started.segment.id
    rq_job_id = _job(job_id).rq_job_id
    worker()
    job = _job(job_id)
    assert (job.status, job.error_code) == ("failed", "worker_error")
    assert job.error_message == "Generation stopped unexpectedly (NotADirectoryError). Retry the segment."
    assert Job.fetch(rq_job_id, connection=redis_client()).get_status() == "failed"
    assert db.session.get(Segment, segment_id).status == "failed"


def test_plan_stage_refuses_a_prompt_the_corrected_bible_now_contradicts(app, user, worker):
    """A continuation accepted at submit is refused at the plan stage when the Bible changed meanwhile."""
    scene_id, user_id = make_scene(user, prompt="James, in a grey coat, waits on the pier.").scene.id, user.id
    worker()
    scene, user = db.session.get(Scene, scene_id), db.session.get(User, user_id)
    job_id = continue_scene(scene, user, "Later, James opens the door.", scene.head_segment_id).job.id
    james = next(e for e in bible_at(scene.head_segment_id).entities.values() if e.name == "James")
    correct_bible(db.session.get(Scene, scene_id), user, op="add_fact", entity_id=james.id, key="gone")
    worker()
    job = _job(job_id)
    assert (job.status, job.error_code, job.attempts) == ("failed", "continuity", 1)
    assert "James" in job.error_message


def test_cancelled_job_is_not_run(app, user, worker):
    """A job cancelled while it waited in the queue is left alone by the worker: no render, the row stays cancelled."""
    started = make_scene(user)
    cancel_generation(started.segment)
    db.session.commit()
    rq_job_id = _job(started.job.id).rq_job_id
    worker()
    job = _job(started.job.id)
    assert (job.status, job.attempts, job.stage) == ("cancelled", 0, "queued")
    assert Job.fetch(rq_job_id, connection=redis_client()).return_value() == "cancelled"


@pytest.mark.slow
def test_attempt_cap_fails_a_job_that_keeps_losing_its_worker(app, user):
    """A row interrupted MAX_ATTEMPTS times is failed by the next worker's start-up check, not resumed again."""
    job_id = make_scene(user).job.id
    redis_client().flushdb()
    job = _job(job_id)
    job.status, job.attempts = "running", MAX_ATTEMPTS
    job.updated_at = job.updated_at.replace(year=2000)
    db.session.commit()
    proc = start_worker(app)
    try:
        wait_for(lambda: _job(job_id).status == "failed", 60, "the worker's start-up check")
    finally:
        stop_worker(proc)
    job = _job(job_id)
    assert job.error_code == "worker_lost" and "interrupted too many times" in job.error_message


@pytest.mark.slow
def test_stale_heartbeat_hands_the_job_to_another_worker_and_the_first_stops(app, user, runway_stub, tmp_path):
    """A worker that stops reporting (held mid-job) loses the job to a second one once its heartbeat is stale;
    released, the first stops at its next checkpoint; one task, one download, the work folder lost or not."""
    env = {"VIDEO_PROVIDER": "runway", "RUNWAY_API_KEY": app.config["RUNWAY_API_KEY"],
           "RUNWAY_API_BASE": runway_stub.url, "PROVIDER_POLL_SECONDS": "0.05", "STALE_JOB_SECONDS": "2"}
    pause = StagePause(tmp_path / "pause")
    pause.hold("normalize")
    started = make_scene(user, prompt="Mara crosses the bridge at dusk.")
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start_worker(app, env, pause_dir=pause.folder, log=first_log)
    second = None
    try:
        pause.wait_reached()
        held = job_row(started.job.id)
        assert held.stage == "render" and held.provider_task_id
        first_rq_job = held.rq_job_id
        second = start_worker(app, env, log=second_log)
        job = wait_for(lambda: (j := job_row(started.job.id)).status == "succeeded" and j, 60, "the second worker")
        assert job.rq_job_id != first_rq_job and job.attempts == 2
        pause.release()
        wait_for(lambda: _state_of(first) == "idle", 30, "the first worker to stop its run")
    finally:
        stop_worker(first)
        if second is not None:
            stop_worker(second)
    assert "stopped reporting progress" in first_log.read_text() + second_log.read_text()
    assert "Traceback" not in first_log.read_text()
    assert _creates(runway_stub) == 1 and sum(runway_stub.completed_downloads.values()) == 1
    assert job_row(started.job.id).segment.status == "ready"


@pytest.mark.slow
def test_lost_work_folder_and_vanished_task_are_recovered(app, user, runway_stub, tmp_path):
    """After render, the work folder is lost and the task is gone at the provider: the run asks for the task,
    finds it gone, and the retry renders a new one to a ready segment."""
    env = {"VIDEO_PROVIDER": "runway", "RUNWAY_API_KEY": app.config["RUNWAY_API_KEY"],
           "RUNWAY_API_BASE": runway_stub.url, "PROVIDER_POLL_SECONDS": "0.05"}
    pause = StagePause(tmp_path / "pause")
    pause.hold("normalize")
    started = make_scene(user, prompt="Mara crosses the bridge at dusk.")
    proc = start_worker(app, env, pause_dir=pause.folder, log=tmp_path / "worker.log")
    try:
        pause.wait_reached()
        first_task = job_row(started.job.id).provider_task_id
        shutil.rmtree(app.config["WORK_DIR"] / f"job-{started.job.id}")
        with runway_stub.lock:
            del runway_stub.tasks[first_task]
        pause.release()
        job = wait_for(lambda: (j := job_row(started.job.id)).status in ("succeeded", "failed") and j, 60,
                       "the job")
    finally:
        stop_worker(proc)
    assert job.status == "succeeded", job.error_message
    assert job.provider_task_id != first_task and job.attempts == 2 and _creates(runway_stub) == 2


def test_cancel_the_provider_cannot_take_now_is_left_to_a_worker(app, user, runway_stub, worker):
    """Discarding a failed segment cancels its task; when the provider is busy then, a worker cancels it later."""
    started = make_scene(user, prompt="Mara walks into the storm [[safety]]")
    segment_id, user_id, job_id = started.segment.id, user.id, started.job.id
    worker()
    task_id = _job(job_id).provider_task_id
    assert task_id
    runway_stub.fail_next(503, path="/v1/tasks/")
    discard_segment(db.session.get(Segment, segment_id), db.session.get(User, user_id))
    assert [c.status for c in runway_stub.calls("DELETE")] == [503]
    worker(queues=("default",))
    assert [c.status for c in runway_stub.calls("DELETE")] == [503, 204]
    assert db.session.get(Segment, segment_id) is None and _job(job_id) is None
