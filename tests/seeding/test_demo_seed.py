"""`flask seed --demo`: demo scenes rendered by the worker through the ordinary pipeline."""
import pytest
from sqlalchemy import func, select

from app.extensions import db, queue
from app.models import BibleEntity, GenerationJob, Scene, Segment, SegmentStatus, User
from app.models.paths import segment_path
from app.seeding.demo import DEMO_SCENES, DEMO_USERNAME, advance_demo_scene, demo_segment_count
from app.story.writing import continue_scene
from tests.factories import make_scene, make_topic, make_user

QUEUES = ("generate", "default")


@pytest.fixture(autouse=True)
def short_segments(app):
    """Small, short clips: these tests are about what gets written, not the pictures."""
    app.config.update(SEGMENT_SECONDS=2.0, VIDEO_WIDTH=320, VIDEO_HEIGHT=180)


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def _counts() -> tuple[int, ...]:
    return tuple(_count(model) for model in (User, Scene, Segment, GenerationJob, BibleEntity))


def test_demo_seed_only_enqueues(runner):
    """The seed creates the account and queues every first segment; nothing renders until a worker runs."""
    result = runner.invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    assert f"Started {len(DEMO_SCENES)} demo scenes" in result.output
    assert db.session.scalar(select(User).where(User.username == DEMO_USERNAME)) is not None
    assert _count(Scene) == len(DEMO_SCENES) >= 6
    assert db.session.scalar(select(func.count(Segment.id)).where(Segment.status == SegmentStatus.READY)) == 0
    assert queue("generate").count == len(DEMO_SCENES)
    assert queue("default").count == len(DEMO_SCENES)


def test_worker_renders_the_demo_first_segments_first_and_a_second_seed_adds_nothing(runner, worker):
    """Drained by the worker: 6+ ready scenes of 2–4 segments over 3+ topics, each with a Bible, one fork;
    every first segment was ready before any continuation started; `seed --demo` again changes nothing."""
    runner.invoke(args=["seed", "--demo"])
    worker(QUEUES)

    scenes = db.session.scalars(select(Scene)).all()
    assert len(scenes) == len(DEMO_SCENES) + 1 >= 7
    assert len({s.topic_id for s in scenes}) >= 3
    for scene in scenes:
        path = segment_path(scene.head_segment_id)
        assert 2 <= len(path) <= 4 and scene.segment_count == len(path), scene.title
        assert all(s.is_ready and s.poster_key for s in path), scene.title
        kinds = db.session.scalars(select(BibleEntity.kind).where(BibleEntity.root_segment_id == path[0].id)).all()
        assert "character" in kinds and len(kinds) >= 2, scene.title
    assert _count(Segment) == demo_segment_count()

    (fork,) = [s for s in scenes if s.forked_from_segment_id]
    fork_path = segment_path(fork.head_segment_id)
    assert fork_path[0].scene_id != fork.id and fork_path[-1].scene_id == fork.id
    assert "Duchess" in db.session.scalars(select(BibleEntity.name)).all()

    jobs = db.session.scalars(select(GenerationJob).join(Segment)).all()
    firsts = [j for j in jobs if j.segment.position == 1]
    later = [j for j in jobs if j.segment.position > 1]
    assert len(firsts) == len(DEMO_SCENES) and later
    assert max(j.finished_at for j in firsts) <= min(j.started_at for j in later)

    before = _counts()
    again = runner.invoke(args=["seed", "--demo"])
    assert again.exit_code == 0 and "exists already" in again.output
    assert queue("generate").count == queue("default").count == 0
    assert _counts() == before


def test_demo_stops_writing_a_scene_someone_else_continued(runner, worker):
    """When a person continues a demo scene first, the demo leaves that scene to them."""
    runner.invoke(args=["seed", "--demo"])
    worker(("generate",))
    scene = db.session.scalar(select(Scene).where(Scene.title == DEMO_SCENES[0].title))
    scene_id = scene.id
    continue_scene(scene, make_user("ines"), "Old Tom spots a paper kite caught on the railing.", scene.head_segment_id)
    worker(("generate",))
    assert advance_demo_scene(scene_id, DEMO_SCENES[0].key) == "left alone"
    assert db.session.scalar(select(func.count(Segment.id)).where(Segment.scene_id == scene_id)) == 2


def test_demo_waits_for_a_segment_still_rendering(runner):
    """An advance job that finds the newest segment unfinished looks again later instead of continuing."""
    runner.invoke(args=["seed", "--demo"])
    scene_id = db.session.scalar(select(Scene.id).where(Scene.title == DEMO_SCENES[0].title))
    assert advance_demo_scene(scene_id, DEMO_SCENES[0].key) == "waiting"
    assert queue("default").scheduled_job_registry.count == 1
    assert db.session.scalar(select(func.count(Segment.id)).where(Segment.scene_id == scene_id)) == 1


def test_if_empty_leaves_a_site_with_scenes_alone(runner):
    """`seed --demo --if-empty` (what `manage.py run` calls) adds no demo content once people have made scenes."""
    make_topic("noir-city", "Noir City")
    make_scene(make_user("ines"))
    result = runner.invoke(args=["seed", "--demo", "--if-empty"])
    assert result.exit_code == 0 and "no demo content" in result.output
    assert db.session.scalar(select(User).where(User.username == DEMO_USERNAME)) is None
    assert _count(Scene) == 1


def test_demo_is_not_seeded_with_a_paid_video_provider(app, runner):
    """With a remote provider configured the demo adds nothing, so it never bills an API for 20 renders."""
    app.config["VIDEO_PROVIDER"] = "runway"
    result = runner.invoke(args=["seed", "--demo"])
    assert result.exit_code == 0 and "local provider only" in result.output
    assert _count(User) == _count(Scene) == 0
