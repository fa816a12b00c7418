"""The review stage: rendered frames and prompts are checked before a segment publishes."""
from app.extensions import db, storage
from app.models import GenerationJob, ModerationCase, Segment
from app.story.writing import retry_segment
from tests.factories import make_scene


def _generate(user, worker, prompt="Mara waits on the pier at dawn."):
    job_id = make_scene(user, prompt=prompt).job.id
    worker()
    db.session.expire_all()
    return db.session.get(GenerationJob, job_id)


def test_clean_segment_publishes_with_its_scores(app, user, worker):
    """A clean render passes: at least one frame a second plus the last is scored, and it publishes."""
    job = _generate(user, worker)
    assert job.status == "succeeded", job.error_message
    segment = job.segment
    assert segment.moderation_state == "clear" and segment.is_public_now
    check = segment.moderation
    assert check["verdict"] == "clear" and check["flagged"] == []
    assert check["nudity"]["sampled"] >= 6  # 5 s at one a second, and the last frame
    assert check["nudity"]["frames"][-1][0] >= 4.9
    assert "review" in job.artifacts["timings"]
    assert db.session.query(ModerationCase).count() == 0


def test_flagged_frames_hold_the_segment_for_review(app, user, worker, renders_explicit):
    """Frames between the review and block thresholds publish the segment held, with a case and its frames."""
    app.config.update(MODERATION_NUDITY_REVIEW=0.4, MODERATION_NUDITY_BLOCK=0.95)
    job = _generate(user, worker)
    assert job.status == "succeeded", job.error_message
    segment = job.segment
    assert segment.status == "ready" and segment.moderation_state == "held"
    check = segment.moderation
    assert check["verdict"] == "review" and "possible nudity" in check["message"]
    flagged = check["flagged"]
    assert flagged and all(f["at"] >= 3.0 and f["label"] == "FEMALE_BREAST_EXPOSED" for f in flagged)
    assert all(storage().exists(f["key"]) for f in flagged)
    assert all(f[2] < 0.4 for f in check["nudity"]["frames"] if f[0] < 3.0)  # the clean seconds pass
    case = db.session.query(ModerationCase).one()
    assert (case.target_type, case.target_ref, case.source, case.status) == ("segment", segment.public_id, "review", "open")
    assert case.writer.username == "mara" and case.severity > 40


def test_held_segment_shows_its_frames_in_the_queue_and_only_to_its_writer(app, user, worker, renders_explicit,
                                                                          client, auth, moderator, reader):
    """The queue shows the flagged frames (served to moderators only); readers don't get the held segment's media,
    its writer sees why it is held."""
    app.config.update(MODERATION_NUDITY_REVIEW=0.4, MODERATION_NUDITY_BLOCK=0.95)
    job = _generate(user, worker)
    segment = job.segment
    scene_ref, video = segment.scene.public_id, f"/media/{segment.video_key}"
    frame_url = f"/admin/moderation/frames/{segment.moderation['flagged'][0]['key']}"
    auth.login("morgan")
    page = client.get("/admin/moderation").get_data(as_text=True)
    assert frame_url in page and "possible nudity" in page
    shown = client.get(frame_url)
    assert shown.status_code == 200 and shown.data.startswith(b"\xff\xd8")
    auth.logout()
    auth.login("rowan")
    assert client.get(frame_url).status_code == 404
    assert client.get(video).status_code == 404
    assert "Not shown: taken out of view" in client.get(f"/scenes/{scene_ref}").get_data(as_text=True)
    auth.logout()
    auth.login("mara")
    assert client.get(video).status_code == 200
    assert "Held for review" in client.get(f"/scenes/{scene_ref}").get_data(as_text=True)


def test_queue_policy_publishes_to_everyone_and_opens_a_case(app, user, worker, renders_explicit):
    """With MODERATION_ON_REVIEW=queue the segment is public at once and still in the queue."""
    app.config.update(MODERATION_NUDITY_REVIEW=0.4, MODERATION_NUDITY_BLOCK=0.95, MODERATION_ON_REVIEW="queue")
    job = _generate(user, worker)
    assert job.segment.moderation_state == "clear" and job.segment.moderation["verdict"] == "review"
    assert db.session.query(ModerationCase).count() == 1


def test_blocked_segment_never_publishes_and_a_retry_renders_nothing(app, user, worker, renders_explicit):
    """Above the block threshold the job fails with the reason, the video leaves public media, and a
    retry fails the same way without a second render."""
    app.config.update(MODERATION_NUDITY_REVIEW=0.3, MODERATION_NUDITY_BLOCK=0.5)
    job = _generate(user, worker)
    assert job.status == "failed" and job.error_code == "moderation_blocked"
    assert "not published" in job.error_message and "nudity" in job.error_message
    segment = db.session.get(Segment, job.segment_id)
    assert segment.status == "failed" and segment.moderation["verdict"] == "block"
    assert not storage().exists(segment.video_key)
    assert len(renders_explicit) == 1
    job_id = job.id
    retry_segment(segment, segment.author)
    worker()
    db.session.expire_all()
    job = db.session.get(GenerationJob, job_id)
    assert job.status == "failed" and job.error_code == "moderation_blocked"
    assert len(renders_explicit) == 1


def test_offensive_prompt_is_held(app, user, worker):
    """A prompt the profanity model scores above the review threshold holds the segment."""
    job = _generate(user, worker, prompt="Mara yells you stupid worthless idiot at the captain.")
    segment = job.segment
    assert segment.moderation["text"]["prompt"] >= app.config["MODERATION_TEXT_REVIEW"], segment.moderation["text"]
    assert segment.moderation_state == "held"
