"""The pipeline as production runs it: PostgreSQL (in CI), the machine's Redis, S3 (a moto server), a
Runway-protocol stub and an OpenAI-compatible LLM stub; create → continue → fork → play, with ffmpeg
decoding each scene's playlist through the presigned S3 URLs it names."""
from __future__ import annotations

import re
import subprocess

import pytest

from app.extensions import db
from app.media.ffmpeg import ffmpeg_exe
from app.models import GenerationJob, Scene, User
from app.models.paths import segment_path
from app.story.writing import continue_scene, fork_at
from tests.conftest import RUNWAY_KEY
from tests.factories import make_scene, make_user, scene_url
from tests.storage.conftest import ACCESS_KEY, SECRET_KEY
from tests.stubs.openai_stub import OpenAIStub
from tests.stubs.runway_stub import RunwayStub


@pytest.fixture
def production_shaped(app, s3_endpoint, s3_bucket):
    """The app pointed at S3, Runway and the LLM stubs (one of each for this test)."""
    with RunwayStub(api_key=RUNWAY_KEY) as runway, OpenAIStub() as llm:
        app.config.update(
            STORAGE_BACKEND="s3", S3_BUCKET=s3_bucket, S3_ENDPOINT_URL=s3_endpoint, S3_REGION="us-east-1",
            S3_ACCESS_KEY_ID=ACCESS_KEY, S3_SECRET_ACCESS_KEY=SECRET_KEY,
            VIDEO_PROVIDER="runway", RUNWAY_API_KEY=RUNWAY_KEY, RUNWAY_API_BASE=runway.url,
            LLM_PROVIDER="openai", LLM_BASE_URL=llm.api_url, LLM_MAX_SECONDS=5.0, LLM_FALLBACK="none",
            JOB_RETRY_DELAYS=[0, 0, 0])
        app.extensions.pop("sf_storage", None)  # built again from the S3 settings
        yield runway, llm
        app.extensions.pop("sf_storage", None)


def decoded_seconds(url: str) -> float:
    done = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", url, "-map", "0:v:0", "-f", "null", "-",
                           "-progress", "pipe:1", "-nostats"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr[-2000:]
    return int(re.findall(r"out_time_us=(\d+)", done.stdout)[-1]) / 1_000_000


def test_create_continue_fork_and_play_through_s3_runway_and_an_llm(app, user, worker, live_server,
                                                                   production_shaped, client):
    """Every generation succeeds through the providers' protocols, media lands in the bucket, and each
    scene's playlist (presigned S3 URLs) decodes end to end."""
    runway, llm = production_shaped
    user_id = user.id
    scene_id = make_scene(user, prompt="Mara, in a red coat, waits on the pier.").scene.id
    worker()
    scene = db.session.get(Scene, scene_id)
    continue_scene(scene, db.session.get(User, user_id), "A brass lantern flickers in the fog.", scene.head_segment_id)
    worker()
    scene = db.session.get(Scene, scene_id)
    reader = make_user("ilse")
    fork = fork_at(scene, segment_path(scene.head_segment_id)[0], reader, title="Another pier")
    db.session.commit()
    fork_id = fork.id
    continue_scene(fork, reader, "Ilse rows out past the breakwater.", fork.head_segment_id)
    worker()

    jobs = db.session.query(GenerationJob).all()
    assert len(jobs) == 3 and {job.status for job in jobs} == {"succeeded"}, [(j.status, j.error_message) for j in jobs]
    assert {job.provider for job in jobs} == {"runway"}
    assert len(runway.calls("POST", "/v1/text_to_video")) == 1 and len(runway.calls("POST", "/v1/image_to_video")) == 2
    assert len(llm.calls("POST")) >= 3
    stored = app.extensions["sf_storage"].list("")
    assert stored and any(key.endswith(".m3u8") for key in stored)

    for scene_ref, segments in ((scene_id, 2), (fork_id, 2)):
        scene = db.session.get(Scene, scene_ref)
        assert scene.segment_count == segments
        playlist = client.get(scene_url(scene, "/playlist.m3u8")).get_data(as_text=True)
        parts = [line for line in playlist.splitlines() if line and not line.startswith("#")]
        assert parts and all("X-Amz-Signature=" in part for part in parts), playlist[:500]
        assert decoded_seconds(live_server + scene_url(scene, "/playlist.m3u8")) == pytest.approx(
            scene.total_duration, abs=0.5)
