"""Discarding a segment at every stage of its generation, with a real `flask worker` and Runway's stub.

Held at the start of each stage (``tests.generation.paused_worker``), while the provider renders and
while the video downloads, the segment is discarded through the API: the job is cancelled, the worker
stops at its next checkpoint without another write, the render is cancelled at the provider, and the
segment is removed. A finished segment cannot be discarded. Afterwards another writer creates and
continues scenes as usual.
"""
from __future__ import annotations

import pytest
from rq.job import Job
from sqlalchemy import text

from app.auth.accounts import create_api_token
from app.extensions import db, redis_client
from app.generation.stages import STAGE_NAMES
from app.models import Segment
from tests.factories import by_public_id, make_topic, make_user
from tests.generation.workers import StagePause, job_row, start_worker, stop_worker, wait_for


def _bearer(user) -> dict:
    return {"Authorization": f"Bearer {create_api_token(user, 'tests').raw}"}


class Site:
    """The API as writers use it; every answer is kept, so the test can say none was a 5xx."""

    def __init__(self, client):
        self.client = client
        self.answers = []

    def call(self, method: str, path: str, headers: dict, **kw):
        answer = self.client.open(path, method=method, headers=headers, **kw)
        self.answers.append((method, path, answer.status_code))
        return answer

    def create(self, headers: dict, prompt: str) -> dict:
        answer = self.call("POST", "/api/v1/scenes", headers, json={"title": "Harbour", "topic": "harbour",
                                                                     "prompt": prompt})
        assert answer.status_code == 202, answer.get_json()
        return answer.get_json()

    def continue_(self, headers: dict, scene_id, prompt: str) -> dict:
        scene = self.call("GET", f"/api/v1/scenes/{scene_id}", headers).get_json()["scene"]
        answer = self.call("POST", f"/api/v1/scenes/{scene_id}/segments", headers,
                           json={"prompt": prompt, "after_segment_id": scene["head_segment_id"]})
        assert answer.status_code == 202, answer.get_json()
        return answer.get_json()


def _finished(job_id: int) -> str:
    return wait_for(lambda: (j := job_row(job_id)) and not j.active and j.status, 90, f"job {job_id} to end")


def _rq_done(rq_job_id: str) -> None:
    """Wait until the worker is done with this RQ job (it returned, whatever it found)."""
    wait_for(lambda: Job.fetch(rq_job_id, connection=redis_client()).get_status() in ("finished", "failed"),
             60, f"the worker to finish {rq_job_id}")


def _discard(site: Site, headers: dict, started: dict) -> int:
    """Discard the started segment through the API; returns its numeric id (gone from the database after)."""
    numeric_id = by_public_id(Segment, started["segment"]["id"]).id
    answer = site.call("DELETE", f"/api/v1/segments/{started['segment']['id']}", headers)
    assert answer.status_code == 204, answer.get_json()
    return numeric_id


@pytest.mark.slow
def test_discarding_at_every_stage_leaves_the_site_whole(app, client, runway_stub, tmp_path):
    """Discarded at each stage, while rendering and while downloading: removed cleanly, the worker stops, the
    render is cancelled; a ready one is refused. Then another writer's creates and continues all succeed,
    no job points at a missing row, nothing answered 5xx and the provider made at most one task per segment."""
    make_topic("harbour", "Harbour")
    mara, bob = make_user("mara"), make_user("bob")
    as_mara, as_bob = _bearer(mara), _bearer(bob)
    site = Site(client)
    pause = StagePause(tmp_path / "pause")
    log = tmp_path / "worker.log"
    env = {"VIDEO_PROVIDER": "runway", "RUNWAY_API_KEY": app.config["RUNWAY_API_KEY"],
           "RUNWAY_API_BASE": runway_stub.url, "PROVIDER_POLL_SECONDS": "0.05"}
    runway_stub.configure(polls_to_succeed=2)
    worker = start_worker(app, env, pause_dir=pause.folder, log=log)
    discarded: list[int] = []
    try:
        first = site.create(as_mara, "Mara waits on the pier in a red coat.")
        scene_id = first["scene"]["id"]
        assert _finished(first["job"]["id"]) == "succeeded"

        for stage in STAGE_NAMES:  # held at the start of each stage, after the ones before it checkpointed
            pause.hold(stage)
            started = site.continue_(as_mara, scene_id, f"The ferry horn sounds ({stage}).")
            rq_job_id = job_row(started["job"]["id"]).rq_job_id
            pause.wait_reached()
            discarded.append(_discard(site, as_mara, started))
            pause.release()
            _rq_done(rq_job_id)
            assert site.call("GET", f"/api/v1/jobs/{started['job']['id']}", as_mara).status_code == 404

        runway_stub.configure(polls_to_succeed=100_000)  # the provider renders for as long as it takes
        started = site.continue_(as_mara, scene_id, "Gulls circle the mast.")
        task_id = wait_for(lambda: job_row(started["job"]["id"]).provider_task_id, 60, "the provider task")
        wait_for(lambda: len(runway_stub.calls("GET", f"/v1/tasks/{task_id}")) >= 2, 30, "polling")
        rq_job_id = job_row(started["job"]["id"]).rq_job_id
        discarded.append(_discard(site, as_mara, started))
        cancels = runway_stub.calls("DELETE", f"/v1/tasks/{task_id}")
        assert cancels and cancels[0].status == 204, "the render was not cancelled at once"
        _rq_done(rq_job_id)
        polls = len(runway_stub.calls("GET", f"/v1/tasks/{task_id}"))

        runway_stub.configure(polls_to_succeed=2, download_seconds=4.0, slow_downloads=1)
        started = site.continue_(as_mara, scene_id, "Rain sweeps the quay.")
        wait_for(lambda: job_row(started["job"]["id"]).message.startswith("downloading"), 60, "the download")
        rq_job_id = job_row(started["job"]["id"]).rq_job_id
        discarded.append(_discard(site, as_mara, started))
        _rq_done(rq_job_id)
        runway_stub.configure(download_seconds=0.0)

        ready = site.continue_(as_mara, scene_id, "The lighthouse turns its beam.")
        assert _finished(ready["job"]["id"]) == "succeeded"
        refused = site.call("DELETE", f"/api/v1/segments/{ready['segment']['id']}", as_mara)
        assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "ready"

        # another writer, afterwards: a new scene, continued, and a continuation of mara's scene
        own = site.create(as_bob, "Bob rows a small boat past the harbour wall.")
        assert _finished(own["job"]["id"]) == "succeeded"
        later = [site.continue_(as_bob, own["scene"]["id"], "Bob ties the boat to a ring."),
                 site.continue_(as_bob, scene_id, "Bob waves from the quay.")]
        assert [_finished(s["job"]["id"]) for s in later] == ["succeeded", "succeeded"]
    finally:
        stop_worker(worker)

    assert all(status < 500 for *_, status in site.answers), [a for a in site.answers if a[2] >= 500]
    assert len(runway_stub.calls("GET", f"/v1/tasks/{task_id}")) == polls  # polling stopped with the discard
    assert all(count <= 1 for count in runway_stub.creations.values()), runway_stub.creations
    assert min(by_public_id(Segment, s["segment"]["id"]).id for s in later) > max(discarded)  # a discarded segment's id is never reused
    db.session.expire_all()
    orphans = db.session.execute(text(
        "SELECT generation_jobs.id FROM generation_jobs LEFT JOIN segments ON segments.id = generation_jobs.segment_id "
        "WHERE segments.id IS NULL")).all()
    assert orphans == []
    heads = db.session.execute(text(
        "SELECT segments.status FROM scenes JOIN segments ON segments.id = scenes.head_segment_id")).scalars().all()
    assert heads and set(heads) == {"ready"}
    worker_log = log.read_text()
    assert "Traceback" not in worker_log, worker_log[-3000:]
