"""Home and topic listings: cards, featured scenes, keyset pages, empty states, and a flat query count."""
from datetime import datetime

from app.extensions import db
from app.models import Scene
from app.story.listings import Cursor, recent_scenes
from tests.factories import bare_scene, grow, make_topic, make_user


def _scenes(n: int, topic, owner, *, prefix: str = "Tale") -> list[Scene]:
    made = []
    for i in range(n):
        scene = bare_scene(owner, title=f"{prefix} {i:02d}", topic=topic)
        grow(scene, 1 + i % 3)
        made.append(scene)
    return made


def test_topic_pages_walk_by_keyset_without_repeats_or_gaps(app, client, user):
    topic = make_topic("sea-stories", "Sea Stories")
    made = _scenes(30, topic, user)
    first = client.get(f"/topics/{topic.slug}").get_data(as_text=True)
    assert first.count('class="card"') == 24 and "Older scenes" in first and "← Newest" not in first
    page = recent_scenes(24, None, topic.id)
    rest = recent_scenes(24, page.next, topic.id)
    seen = [s.public_id for s in page.cards + rest.cards]
    assert sorted(seen) == sorted(s.public_id for s in made) and len(set(seen)) == 30 and rest.next is None
    second = client.get(f"/topics/{topic.slug}?after={page.next}").get_data(as_text=True)
    assert second.count('class="card"') == 6 and "← Newest" in second and "Older scenes" not in second
    assert client.get(f"/topics/{topic.slug}?after=garbage").get_data(as_text=True).count('class="card"') == 24


def test_a_scene_that_moves_while_paging_is_not_repeated(app, user):
    """Keyset paging: a scene that jumps to the top after page 1 was read doesn't shift page 2 (an offset would
    show page 1's last scene again)."""
    topic = make_topic("sea-stories", "Sea Stories")
    made = _scenes(10, topic, user)
    page = recent_scenes(5, None, topic.id)
    mover = next(s for s in made if s.public_id not in {p.public_id for p in page.cards})
    grow(db.session.get(Scene, mover.id), 1)  # now the newest: ahead of the cursor
    rest = recent_scenes(5, page.next, topic.id)
    assert not {s.public_id for s in page.cards} & {s.public_id for s in rest.cards}
    assert len(rest.cards) == 4 and mover.public_id not in {s.public_id for s in rest.cards}


def test_cursor_round_trips_and_bad_ones_start_over():
    cursor = Cursor.parse("2026-11-26T10:00:00.123456~42")
    assert cursor and cursor.scene_id == 42 and str(cursor) == "2026-11-26T10:00:00.123456~42"
    aware = Cursor.parse("2026-11-26T10:00:00.123456Z~42")  # PostgreSQL's times carry a zone
    assert aware.updated_at.tzinfo is not None and str(aware) == "2026-11-26T10:00:00.123456Z~42"
    assert "+" not in str(Cursor(datetime.fromisoformat("2026-11-26T11:00:00+01:00"), 7))
    for bad in (None, "", "x", "nope~1", "2026-11-26~x"):
        assert Cursor.parse(bad) is None


def test_home_shows_featured_and_recent_cards(app, client, user):
    topic = make_topic("sea-stories", "Sea Stories")
    long_one = bare_scene(make_user("olga"), title="The Long Voyage", topic=topic)
    grow(long_one, 6)
    _scenes(3, topic, user)
    html = client.get("/").get_data(as_text=True)
    featured = html[html.index('id="featured-heading"'):html.index('id="recent-heading"')]
    assert "The Long Voyage" in featured and "6 segments" in featured and "0:30" in featured
    assert "Sea Stories · by olga" in featured


def test_empty_home_and_topic_say_what_to_do(app, client):
    topic = make_topic("sea-stories", "Sea Stories")
    assert "Start the first scene" in client.get("/").get_data(as_text=True)
    html = client.get(f"/topics/{topic.slug}").get_data(as_text=True)
    assert "No scenes in Sea Stories yet" in html and "/scenes/new?topic=sea-stories" in html


def test_listing_pages_run_a_fixed_number_of_queries(app, client, user, queries):
    """Home and topic pages send the same number of SQL statements for 3 scenes as for 24."""
    topic = make_topic("sea-stories", "Sea Stories")
    owners = [make_user(f"writer{i}") for i in range(6)]

    def measure() -> dict[str, int]:
        counts = {}
        for url in ("/", f"/topics/{topic.slug}"):
            with queries:
                assert client.get(url).status_code == 200
            counts[url] = queries.count
        return counts

    for i, owner in enumerate(owners[:3]):
        _scenes(1, topic, owner, prefix=f"Few {i}")
    few = measure()
    for i in range(21):
        _scenes(1, topic, owners[i % 6], prefix=f"Many {i}")
    assert measure() == few


def test_cached_listings_change_when_a_segment_lands_or_visibility_changes(app, client, user):
    """Home and topic pages are served from the cache until a scene changes; then they show the change."""
    from app import cache_versions as versions

    topic = make_topic("sea-stories", "Sea Stories")
    scene = bare_scene(user, title="Lighthouse", topic=topic)
    grow(scene, 1)
    for url in ("/", f"/topics/{topic.slug}"):
        assert "1 segment<" in client.get(url).get_data(as_text=True)
    version = versions.value(versions.topic(topic.slug))
    # a change the cache can't see (raw SQL, no ORM object): proves the pages come from the cache
    db.session.execute(db.text("UPDATE scenes SET title = 'Sneaky' WHERE id = :id"), {"id": scene.id})
    db.session.commit()
    assert versions.value(versions.topic(topic.slug)) == version and "Sneaky" not in client.get("/").get_data(as_text=True)  # cached

    grow(db.session.get(Scene, scene.id), 1)  # a new segment moves the head
    assert versions.value(versions.topic(topic.slug)) > version
    for url in ("/", f"/topics/{topic.slug}"):
        html = client.get(url).get_data(as_text=True)
        assert "Sneaky" in html and "2 segments" in html, url

    scene = db.session.get(Scene, scene.id)
    scene.visibility = "unlisted"
    db.session.commit()
    for url in ("/", f"/topics/{topic.slug}"):
        assert "Sneaky" not in client.get(url).get_data(as_text=True), url


def test_a_new_scene_in_the_worker_process_reaches_the_cached_home(app, client, user, worker):
    """The worker's commit (head moves at publish) bumps the shared version in Redis."""
    from tests.factories import make_scene

    make_topic("sea-stories", "Sea Stories")
    assert "Harbour at Dawn" not in client.get("/").get_data(as_text=True)
    make_scene(user, title="Harbour at Dawn", prompt="Gulls circle the harbour at dawn.")
    assert "Harbour at Dawn" not in client.get("/").get_data(as_text=True)  # nothing ready yet
    worker()
    assert "Harbour at Dawn" in client.get("/").get_data(as_text=True)
