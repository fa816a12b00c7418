"""The end card's next scene: same topic before other topics, the scene active just before this one before
the most recently active, only public scenes with something to play."""
from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import Scene
from app.story.listings import up_next
from tests.factories import bare_scene, grow, make_topic, make_user

START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _scene(owner, title, topic, minutes, *, visibility="public", segments=1):
    scene = bare_scene(owner, title=title, topic=topic, visibility=visibility)
    if segments:
        grow(scene, segments)
    scene.updated_at = START + timedelta(minutes=minutes)
    db.session.commit()
    return scene


def test_up_next_prefers_the_same_topic_and_the_scene_active_just_before(app):
    mara = make_user("mara")
    sea, space = make_topic("sea", "Sea"), make_topic("space", "Space")
    here = _scene(mara, "Here", sea, 50)
    assert up_next(here) is None  # nothing else to offer

    newest_elsewhere = _scene(mara, "Newest elsewhere", space, 90)
    assert up_next(here) == newest_elsewhere
    earlier_elsewhere = _scene(mara, "Earlier elsewhere", space, 40)
    assert up_next(here) == earlier_elsewhere  # another topic: the one active just before first, too

    later_same = _scene(mara, "Later, same topic", sea, 80)
    _scene(mara, "Latest, same topic but private", sea, 95, visibility="private")
    _scene(mara, "Latest, same topic but empty", sea, 99, segments=0)
    assert up_next(here) == later_same  # the same topic beats an earlier one elsewhere

    _scene(mara, "Long before, same topic", sea, 10)
    just_before = _scene(mara, "Just before, same topic", sea, 45)
    assert up_next(here) == just_before
    assert up_next(just_before).title == "Long before, same topic"


def test_up_next_is_one_statement(app, queries):
    mara = make_user("mara")
    sea = make_topic("sea", "Sea")
    here = _scene(mara, "Here", sea, 50).id
    _scene(mara, "Other", sea, 20)
    with queries:
        here = db.session.get(Scene, here)  # the page already holds its scene
        queries.statements.clear()
        assert up_next(here).title == "Other"
    assert queries.count == 1, queries.statements
