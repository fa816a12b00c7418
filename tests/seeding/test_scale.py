"""The scale world: consistent branches, shared forks, playable media, pages that load, no double build."""
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.continuity.store import bible_at
from app.extensions import db
from app.models import BibleChange, Scene, Segment, User
from app.models.paths import segment_path
from app.seeding.scale import SCALE_DOMAIN, SCALE_PASSWORD, ScaleWorldRefused, build_scale_world, writer_name
from app.seeding.shape import LONG_SCENE_SEGMENTS, WorldSize
from app.topics.catalog import seed_topics
from tests import factories

TINY = WorldSize(users=50, scenes=200, segments=1000)


@pytest.fixture
def world(app):
    seed_topics()
    return build_scale_world(TINY, clips=1)


def _scale_scenes() -> list[Scene]:
    return list(db.session.scalars(select(Scene).join(User, Scene.owner_id == User.id)
                                   .where(User.username.like("writer%")).order_by(Scene.id)))


def test_every_branch_is_consistent(world):
    """Each scene's head path has segment_count segments at positions 1..n, with its total duration."""
    scenes = _scale_scenes()
    assert len(scenes) == TINY.scenes
    assert db.session.scalar(select(func.count(User.id)).where(User.email.like(f"writer%@{SCALE_DOMAIN}"))) == TINY.users
    assert db.session.scalar(select(func.count(Segment.id)).where(Segment.scene_id.in_([s.id for s in scenes]))) \
        == TINY.segments
    for scene in scenes:
        path = segment_path(scene.head_segment_id)
        assert [s.position for s in path] == list(range(1, scene.segment_count + 1)), scene.id
        assert path[0].parent_id is None
        assert all(child.parent_id == parent.id for parent, child in zip(path, path[1:], strict=False))
        assert scene.total_duration == pytest.approx(sum(s.duration for s in path), abs=0.01)
        assert all(s.is_ready and s.hls for s in path)
    assert max(s.segment_count for s in scenes) >= LONG_SCENE_SEGMENTS


def test_forks_share_the_segments_before_their_fork_point(world):
    """A fork's path runs through its origin's segments up to the fork point, then its own; some stories draw many forks."""
    forks = [s for s in _scale_scenes() if s.forked_from_segment_id is not None]
    assert len(forks) == world.forks > 0
    for fork in forks:
        point = db.session.get(Segment, fork.forked_from_segment_id)
        assert point.scene_id != fork.id
        path = segment_path(fork.head_segment_id)
        assert path[point.position - 1].id == point.id
        assert {s.scene_id for s in path[point.position:]} <= {fork.id}
    per_story = Counter(segment_path(f.forked_from_segment_id)[0].id for f in forks)
    assert per_story.most_common(1)[0][1] >= 3


def test_bibles_fold_along_every_branch(world):
    """Bible changes make a valid Bible at every head that has them (ids created before they change)."""
    with_bible = set(db.session.scalars(select(BibleChange.segment_id)))
    assert with_bible
    checked = 0
    for scene in _scale_scenes():
        path_ids = {s.id for s in segment_path(scene.head_segment_id)}
        if path_ids & with_bible:
            bible = bible_at(scene.head_segment_id)
            assert "C1" in bible.entities and "L1" in bible.entities
            checked += 1
    assert checked >= 10


def test_pages_load_and_scale_scenes_play(world, client, auth):
    """Home, a topic, the longest scene, its playlist and media, and the busiest story tree all answer 200."""
    scenes = _scale_scenes()
    public = [s for s in scenes if s.visibility == "public"]
    longest = max(public, key=lambda s: s.segment_count)
    assert client.get("/").status_code == 200
    assert client.get(f"/topics/{longest.topic.slug}").status_code == 200
    page = client.get(factories.scene_url(longest))
    assert page.status_code == 200 and f"Segment {longest.segment_count}" in page.get_data(as_text=True)
    assert client.get(factories.scene_url(longest, api=True)).json["scene"]["segment_count"] == longest.segment_count
    playlist = client.get(factories.scene_url(longest, "/playlist.m3u8"))
    assert playlist.status_code == 200
    media = [line for line in playlist.get_data(as_text=True).splitlines() if line and not line.startswith("#")]
    assert len(media) >= longest.segment_count
    assert client.get(media[-1]).status_code == 200
    forked_roots = Counter(segment_path(s.forked_from_segment_id)[0].id for s in scenes if s.forked_from_segment_id)
    busiest = forked_roots.most_common(1)[0][0]
    tree = client.get(factories.tree_url(busiest))
    assert tree.status_code == 200 and "Story tree" in tree.get_data(as_text=True)
    assert auth.login(writer_name(1), SCALE_PASSWORD).status_code == 302


def test_seed_scale_refuses_a_second_world_and_adds_with_add(app, runner):
    """`flask seed --scale` builds once, refuses to build again, adds more with --add, and ids keep counting."""
    small = ["--users", "5", "--scenes", "10", "--segments", "40", "--clips", "1"]
    first = runner.invoke(args=["seed", "--scale", *small])
    assert first.exit_code == 0, first.output
    assert "5 writers, 10 scenes" in first.output
    again = runner.invoke(args=["seed", "--scale", *small])
    assert again.exit_code != 0 and "already here" in again.output
    more = runner.invoke(args=["seed", "--scale", "--add", *small])
    assert more.exit_code == 0, more.output
    assert db.session.scalar(select(User).where(User.username == writer_name(10))) is not None
    rendered = db.session.scalar(select(func.count(func.distinct(Segment.video_key))))
    assert rendered == 1  # the media scene was reused, not rendered again
    assert factories.make_user("newcomer").id > db.session.scalar(select(func.max(Scene.owner_id)))
    with pytest.raises(ScaleWorldRefused):
        build_scale_world(WorldSize(1, 1, 1), clips=1)
