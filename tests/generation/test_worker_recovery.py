"""A worker killed mid-render: the job is found, resumed, and the provider renders once."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rq import Queue
from rq.job import Job

from app.extensions import db, redis_client
from app.generation.recovery import recover_orphans
from app.models import GenerationJob
from tests.factories import make_scene

ROOT = Path(__file__).resolve().parents[2]


def _worker(app, extra_env: dict) -> subprocess.Popen:
    cfg = app.config
    env = {
        **os.environ,
        "FLASK_APP": "wsgi.py",
        "STORYFORGE_ENV": "development",
        "SECRET_KEY": cfg["SECRET_KEY"],
        "DATABASE_URL": cfg["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": cfg["REDIS_URL"],
        "INSTANCE_DIR": str(cfg["INSTANCE_DIR"]),
        "MEDIA_ROOT": cfg["MEDIA_ROOT"],
        "WORK_DIR": str(cfg["WORK_DIR"]),
        "RECONCILE_INTERVAL": "1",
        **extra_env,
    }
    return subprocess.Popen([sys.executable, "-m", "flask", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _job(job_id: int) -> GenerationJob:
    db.session.expire_all()
    return db.session.get(GenerationJob, job_id)


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_kill_9_during_render_then_restart_completes_with_one_task(app, user, runway_stub):
    """kill -9 of the worker while it polls Runway; a new worker resumes the same task and finishes."""
    runway_stub.configure(polls_to_succeed=50)
    env = {"VIDEO_PROVIDER": "runway", "RUNWAY_API_KEY": app.config["RUNWAY_API_KEY"],
           "RUNWAY_API_BASE": runway_stub.url, "PROVIDER_POLL_SECONDS": "0.1"}
    started = make_scene(user, prompt="Mara crosses the bridge at dusk.")
    job_id = started.job.id
    first = _worker(app, env)
    try:
        job = _wait_for(lambda: (j := _job(job_id)).provider_task_id and j.stage == "reference" and j, 60,
                        "the render stage to start polling")
        task_id = job.provider_task_id
        _wait_for(lambda: len(runway_stub.calls("GET", f"/v1/tasks/{task_id}")) >= 3, 30, "polling to begin")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert _job(job_id).status == "running"  # nobody told the row: the worker just vanished
    second = _worker(app, env)
    try:
        _wait_for(lambda: _job(job_id).status in ("succeeded", "failed"), 90, "the resumed job to finish")
    finally:
        second.terminate()
        second.wait(30)
    job = _job(job_id)
    assert job.status == "succeeded", job.error_message
    assert job.provider_task_id == task_id and job.attempts == 2
    segment = job.segment
    assert runway_stub.creation_count(segment.expanded_prompt, segment.seed) == 1
    assert segment.status == "ready"


def test_lost_queue_entry_is_requeued(app, user, worker):
    """A queued row whose RQ job vanished (Redis flushed) is put back on the queue and completes."""
    job_id = make_scene(user).job.id
    redis_client().flushdb()
    job = _job(job_id)
    job.updated_at = job.updated_at.replace(year=2000)
    db.session.commit()
    assert recover_orphans() == [job_id]
    worker()
    assert _job(job_id).status == "succeeded"


def test_waiting_job_is_left_alone(app, user):
    """A job still waiting in the queue is not touched by the reconciler."""
    make_scene(user)
    assert recover_orphans() == []


@pytest.mark.parametrize(("rq_state", "reason"), [
    ("finished", "its queue entry ended as finished"),
    ("started", "its worker is gone"),
])
def test_active_row_whose_queue_entry_is_over_or_orphaned_is_resumed(app, user, worker, rq_state, reason):
    """A running row whose RQ job ended, or whose worker is not registered any more, is resumed and completes."""
    from rq.job import JobStatus as RQStatus

    job_id = make_scene(user).job.id
    job = _job(job_id)
    rq_job = Job.fetch(job.rq_job_id, connection=redis_client())
    Queue("generate", connection=redis_client()).remove(rq_job)
    rq_job.worker_name = "a-worker-on-another-machine"
    rq_job.set_status(RQStatus(rq_state))
    rq_job.save()
    job.status = "running"
    db.session.commit()
    assert recover_orphans() == [job_id]
    assert reason in _job(job_id).message
    worker()
    assert _job(job_id).status == "succeeded"


def test_a_job_started_by_a_worker_registered_after_the_list_was_read_is_left_alone(app, user):
    """Two workers starting side by side: one lists the workers, the other registers and starts a job, then the
    first reads that job. The job's worker is looked up again before it is called gone."""
    from rq import Worker
    from rq.job import JobStatus as RQStatus

    from app.generation.recovery import orphan_reason

    job = _job(make_scene(user).job.id)
    listed = {w.name: w for w in Worker.all(connection=redis_client())}  # before the second worker exists
    second = Worker(["generate"], connection=redis_client())
    second.register_birth()
    rq_job = Job.fetch(job.rq_job_id, connection=redis_client())
    rq_job.worker_name = second.name
    rq_job.set_status(RQStatus.STARTED)
    rq_job.save()
    try:
        assert second.name not in listed and orphan_reason(job, rq_job, listed) is None
    finally:
        second.register_death()
    assert orphan_reason(job, rq_job, listed) == "its worker is gone"


def test_a_queue_entry_that_rq_clears_while_it_is_handed_over_does_not_stop_the_hand_over(app, user, worker,
                                                                                         monkeypatch):
    """RQ may clear a finished entry's execution while recovery deletes it (``ValueError: Execution … not found``):
    the job is handed over and completes all the same."""
    from rq.job import JobStatus as RQStatus

    job_id = make_scene(user).job.id
    job = _job(job_id)
    rq_job = Job.fetch(job.rq_job_id, connection=redis_client())
    Queue("generate", connection=redis_client()).remove(rq_job)
    rq_job.set_status(RQStatus.FINISHED)
    rq_job.save()
    job.status = "running"
    db.session.commit()

    def cleared(self, *args, **kwargs):
        raise ValueError(f"Execution {self.id} not found in Redis")

    monkeypatch.setattr(Job, "delete", cleared)
    assert recover_orphans() == [job_id]
    monkeypatch.undo()
    worker()
    assert _job(job_id).status == "succeeded"
