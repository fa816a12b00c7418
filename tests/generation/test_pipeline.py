"""The generation pipeline through a real RQ queue, the local renderer and ffmpeg."""
from app.extensions import db, storage
from app.media.probe import probe
from app.models import GenerationJob, Scene, Segment
from tests.factories import make_scene


def test_first_segment_becomes_a_real_h264_clip(app, user, worker):
    """A new scene's first segment goes through every stage and is stored as H.264 at the configured size."""
    started = make_scene(user)
    job_id, scene_id = started.job.id, started.scene.id
    worker()
    db.session.expire_all()
    job = db.session.get(GenerationJob, job_id)
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert (job.stage, job.progress, job.message) == ("publish", 100, "Ready to watch")
    assert set(job.artifacts["timings"]) == {"moderate", "plan", "reference", "render", "normalize", "check", "review", "package",
                                                "publish"}
    segment = job.segment
    scene = db.session.get(Scene, scene_id)
    assert scene.head_segment_id == segment.id and scene.segment_count == 1
    info = probe(storage().local_path(segment.video_key), exact=True)
    assert info.video_codec == "h264" and (info.width, info.height) == (640, 360)
    assert abs(info.duration - 5.0) < 0.1 and info.audio_codec == "aac"
    for key in (segment.poster_key, segment.thumb_key, segment.playlist_key, f"{segment.media_prefix}last.jpg"):
        assert storage().exists(key), key
    assert "Mara boards the night train" in segment.expanded_prompt


def test_continuations_chain_in_order(app, user, worker):
    """Three continuations make four ordered segments, each the parent of the next."""
    from app.story.writing import continue_scene

    scene_id = make_scene(user).scene.id
    worker()
    for prompt in ("The train enters a tunnel.", "Lights flicker in the carriage.", "Mara finds a letter."):
        scene = db.session.get(Scene, scene_id)
        continue_scene(scene, scene.owner, prompt, scene.head_segment_id)
        worker()
    scene = db.session.get(Scene, scene_id)
    from app.models.paths import segment_path

    path = segment_path(scene.head_segment_id)
    assert [s.position for s in path] == [1, 2, 3, 4]
    assert [s.prompt for s in path][1:] == ["The train enters a tunnel.", "Lights flicker in the carriage.", "Mara finds a letter."]
    assert all(s.status == "ready" for s in path)
    assert [s.parent_id for s in path] == [None, path[0].id, path[1].id, path[2].id]
    assert scene.segment_count == 4 and abs(scene.total_duration - 20.0) < 0.4


def test_refused_prompt_fails_at_moderation_with_reason(app, user, worker):
    """A prompt that slips past submit (filter changed) fails at stage 1 with the filter's reason."""
    started = make_scene(user, prompt="A quiet harbour at dawn.")
    segment = db.session.get(Segment, started.segment.id)
    segment.prompt = "A quiet harbour at dawn, then they behead the captain."
    db.session.commit()
    job_id = started.job.id
    worker()
    job = db.session.get(GenerationJob, job_id)
    assert job.status == "failed" and job.error_code == "prompt_refused"
    assert "blocked term" in job.error_message
    assert job.segment.status == "failed"
