"""Generation against the Runway stub: permanent refusals, flaky networks, one task per segment."""
from app.extensions import db
from app.models import GenerationJob
from tests.factories import make_scene, make_topic


def test_safety_failure_ends_at_once_with_the_providers_reason(app, user, runway_stub, worker):
    """A SAFETY.INPUT.TEXT failure is not retried: one task, one attempt, the reason shown."""
    prompt = "Mara walks into the storm [[safety]]"
    job_id = make_scene(user, prompt=prompt).job.id
    worker()
    job = db.session.get(GenerationJob, job_id)
    assert job.status == "failed" and job.error_code == "SAFETY.INPUT.TEXT"
    assert job.attempts == 1
    assert job.error_message.startswith("The video provider refused this segment:")
    assert len(runway_stub.calls("POST", "/v1/text_to_video")) == 1
    assert job.segment.status == "failed"


def test_ninety_nine_of_a_hundred_segments_survive_a_flaky_provider(app, user, runway_stub, worker):
    """With 30% of calls failing transiently (429, 503, THROTTLED) at least 99 of 100 segments end ready."""
    runway_stub.configure(flaky_rate=0.3, flaky_kinds=(429, 503, "throttled"), retry_after="0", polls_to_succeed=2)
    app.config.update(GENERATION_IN_FLIGHT_LIMIT=1000, GENERATION_HOURLY_LIMIT=1000, PROVIDER_POLL_SECONDS=0.001)
    topic = make_topic()
    job_ids = [make_scene(user, title=f"Flaky {i}", prompt=f"Scene number {i} in the rain.", topic=topic).job.id
               for i in range(100)]
    worker()
    jobs = [db.session.get(GenerationJob, jid) for jid in job_ids]
    statuses = [job.status for job in jobs]
    assert statuses.count("succeeded") >= 99, {s: statuses.count(s) for s in set(statuses)}
    assert len(runway_stub.calls("POST", "/v1/text_to_video")) > 100  # the stub really did refuse some creates
    created = [runway_stub.creation_count(job.segment.expanded_prompt, job.segment.seed) for job in jobs]
    assert created == [1] * 100  # retries never paid for a second task
