"""Pages send a fixed number of SQL statements however many items they show (home and topics: test_listings)."""
import pytest

from tests.factories import bare_scene, grow, make_user, public_id, scene_url
from tests.story.test_tree import hundred_branches


def _count(client, queries, url: str) -> int:
    with queries:
        assert client.get(url).status_code == 200, url
    return queries.count


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_scene_of_200_segments_costs_what_one_of_5_does(client, auth, user, queries, signed_in):
    small, big = bare_scene(user, title="Small"), bare_scene(user, title="Big")
    grow(small, 5)
    grow(big, 200)
    small, big = small.id, big.id
    if signed_in:
        auth.login()
    for page in ("", "/watch", "/bible"):
        assert _count(client, queries, scene_url(big, page)) == _count(client, queries, scene_url(small, page))
    assert _count(client, queries, scene_url(big, api=True)) == _count(client, queries, scene_url(small, api=True))


def test_a_tree_of_100_branches_costs_what_one_of_2_does(client, user):
    from app.extensions import db
    from app.models import Scene, Segment
    from tests.conftest import QueryCounter

    queries = QueryCounter(db.engine)
    small = bare_scene(make_user("olga"), title="Small")
    path = grow(small, 3)
    fork = Scene(title="Small fork", topic_id=small.topic_id, owner=small.owner, head_segment_id=path[1].id,
                 forked_from_segment_id=path[1].id, segment_count=2)
    db.session.add(fork)
    db.session.commit()
    grow(fork, 1)
    small_root = path[0].public_id
    _, big_root = hundred_branches(user)
    big_root = public_id(Segment, big_root)
    for url in ("/stories/{}", "/api/v1/stories/{}"):
        assert _count(client, queries, url.format(big_root)) == _count(client, queries, url.format(small_root))


def test_a_profile_of_24_scenes_costs_what_one_of_2_does(client, auth, user, queries):
    few = make_user("few")
    for i in range(2):
        grow(bare_scene(few, title=f"Few {i}"), 1)
    for i in range(24):
        grow(bare_scene(user, title=f"Many {i}"), 1 + i % 3)
    assert _count(client, queries, "/users/mara") == _count(client, queries, "/users/few")
    auth.login()
    assert _count(client, queries, "/users/mara") == _count(client, queries, "/users/mara")
