"""MODERATION_PROVIDER=openai: the review stage asks an OpenAI-compatible /v1/moderations, the local models stand in."""
from app.extensions import db
from app.models import GenerationJob
from tests.factories import make_scene


def _generate(user, worker, prompt="Mara waits on the pier at dawn."):
    job_id = make_scene(user, prompt=prompt).job.id
    worker()
    db.session.expire_all()
    return db.session.get(GenerationJob, job_id)


def test_remote_moderator_scores_frames_and_prompts(app, user, worker, renders_explicit, moderation_stub):
    """Frames go as base64 JPEG image input, prompts as text; the stub's sexual score holds the segment."""
    app.config.update(MODERATION_NUDITY_REVIEW=0.5, MODERATION_NUDITY_BLOCK=0.95)
    job = _generate(user, worker)
    segment = job.segment
    check = segment.moderation
    assert check["moderator"] == "openai" and "moderator_fallback" not in check
    assert segment.moderation_state == "held" and check["nudity"]["label"] == "sexual", check
    assert all(f[2] < 0.1 for f in check["nudity"]["frames"] if f[0] < 3.0)
    images = [r for r in moderation_stub.requests if isinstance(r.json["input"][0], dict)]
    texts = [r for r in moderation_stub.requests if isinstance(r.json["input"][0], str)]
    assert len(images) == check["nudity"]["sampled"] and images[0].json["input"][0]["image_url"]["url"].startswith(
        "data:image/jpeg;base64,")
    assert texts and texts[0].json["input"][0] == "Mara waits on the pier at dawn."
    assert all(r.headers["Authorization"] == "Bearer sk-stub-moderation" for r in moderation_stub.requests)


def test_remote_outage_falls_back_to_the_local_models(app, user, worker, moderation_stub):
    """When the remote moderator answers 503 the local models score, and the record says why."""
    moderation_stub.configure(mode="outage")
    job = _generate(user, worker)
    assert job.status == "succeeded", job.error_message
    check = job.segment.moderation
    assert check["moderator"] == "openai" and "HTTPError" in check["moderator_fallback"]
    assert check["verdict"] == "clear" and check["nudity"]["sampled"] >= 6
