"""Pages send a fixed number of SQL statements however many items they show, signed out and signed in.

Signed-out counts are of the first view (nothing kept yet, so the page is built); signed-in counts are of
a page built for the viewer (their session and user row included). A change to these numbers is a change
to what the page costs: update them on purpose, never to make a test pass.
"""
import pytest

from tests.factories import bare_scene, grow, make_user, public_id, scene_url
from tests.main.test_cache_scopes import _fork
from tests.story.test_tree import hundred_branches

#: page -> (signed out, first view; signed in)
SCENE_PAGES = {"": (8, 8), "/watch": (4, 4), "/bible": (4, 4), "api": (3, 3), "api bible": (4, 4)}
TREE_PAGES = {"/stories/{}": (6, 7), "/api/v1/stories/{}": (5, 5)}
LISTINGS = {"/": (6, 6), "/topics/{}": (5, 5)}
PROFILE = {"someone else's": (5, 1), "their own": (None, 5)}
#: a fork's scene page (signed out, first view; signed in): a scene page and where it came from
FORK_PAGE = (9, 9)


def _count(client, queries, url: str) -> int:
    with queries:
        assert client.get(url).status_code == 200, url
    return queries.count


def _scene_url(scene_id: int, page: str) -> str:
    if page.startswith("api"):
        return scene_url(scene_id, page.removeprefix("api").strip() and "/bible", api=True)
    return scene_url(scene_id, page)


def _signed_in(client, auth, name: str = "mara") -> None:
    """Sign in; the story trees the viewer owns scenes in are known already (looked up once after each change
    to their scenes, app/story/viewers.py), as they are for someone reading along."""
    from app.extensions import db
    from app.models import User
    from app.story.viewers import own_trees

    auth.login(name)
    client.get("/help")  # shows the sign-in's message: the pages measured below are plain views
    own_trees(db.session, db.session.scalar(db.select(User.id).where(User.username == name)))


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_scene_of_200_segments_costs_a_fixed_number_like_one_of_5(client, auth, user, queries, signed_in):
    """Scene, watch and Bible pages and their API reads cost the same fixed count at 5 and 200 segments."""
    small, big = bare_scene(user, title="Small"), bare_scene(user, title="Big")
    _fork(small, grow(small, 5)[1], "Small fork")
    _fork(big, grow(big, 200)[1], "Big fork")
    small, big = small.id, big.id
    if signed_in:
        _signed_in(client, auth)
    for page, counts in SCENE_PAGES.items():
        expected = counts[signed_in]
        assert _count(client, queries, _scene_url(big, page)) == expected, page
        assert _count(client, queries, _scene_url(small, page)) == expected, page


def test_a_scene_page_built_around_its_kept_segment_list_reads_no_segment_in_full(client, auth, user, queries):
    """Once a scene's segment list and chapters are kept, a page built again (a fork moved its tree's version)
    names the branch's segments from plain values and reads none of them whole, at 200 segments as at 5: two
    statements fewer than its first build, which also looked up the scene's story tree."""
    from flask import g

    from app.extensions import db
    from app.models import Scene, Segment

    scenes = {}
    for size in (5, 200):
        scene = bare_scene(user, title=f"{size} segments")
        scenes[size] = (scene.id, grow(scene, size)[1].id)
    make_user("nico")
    _signed_in(client, auth, "nico")  # a reader: the forks below change nothing they own
    for size, (scene_id, second) in scenes.items():
        assert _count(client, queries, scene_url(scene_id)) == SCENE_PAGES[""][True], size
        _fork(db.session.get(Scene, scene_id), db.session.get(Segment, second), f"A fork of {size}")
        g.pop("_login_user", None)
        client.get("/help")
        assert _count(client, queries, scene_url(scene_id)) == SCENE_PAGES[""][True] - 2, size


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_forks_page_names_where_it_came_from_in_one_statement(client, auth, user, queries, signed_in):
    """A fork's page costs a scene page and one statement more, which reads the segment it was forked at, that
    segment's scene and both their writers (another person forked it), at 200 segments as at 5."""
    from app.extensions import db
    from app.models import Scene

    nico = make_user("nico")
    forks = []
    for size in (5, 200):
        scene = bare_scene(user, title=f"{size} segments")
        at = grow(scene, size)[-1]
        fork = Scene(title=f"Nico's fork of {size}", topic_id=scene.topic_id, owner=nico, head_segment_id=at.id,
                     forked_from_segment_id=at.id, segment_count=at.position)
        db.session.add(fork)
        db.session.commit()
        grow(fork, 1, author=nico)
        forks.append(fork.id)
    if signed_in:
        _signed_in(client, auth)
    for fork in forks:
        assert _count(client, queries, scene_url(fork)) == FORK_PAGE[signed_in], fork
        assert "Forked by nico from\n    mara’s scene <a" in client.get(scene_url(fork)).get_data(as_text=True)
    assert FORK_PAGE[signed_in] == SCENE_PAGES[""][signed_in] + 1


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_tree_of_100_branches_costs_a_fixed_number_like_one_of_2(client, auth, user, queries, signed_in):
    """The story tree page and its API read cost the same fixed count for 2 branches and for 100."""
    small = bare_scene(make_user("olga"), title="Small")
    path = grow(small, 3)
    _fork(small, path[1], "Small fork")
    small_root = path[0].public_id
    from app.models import Segment

    big_root = public_id(Segment, hundred_branches(user)[1])
    if signed_in:
        _signed_in(client, auth)
    for url, counts in TREE_PAGES.items():
        assert _count(client, queries, url.format(big_root)) == counts[signed_in], url
        assert _count(client, queries, url.format(small_root)) == counts[signed_in], url


@pytest.mark.parametrize("signed_in", [False, True])
def test_home_and_topic_pages_cost_a_fixed_number(client, auth, user, queries, signed_in):
    """Home and topic pages cost a fixed count with 2 scenes and with 30 (signed in: the viewer's row only,
    the listings being kept)."""
    for i in range(2):
        grow(bare_scene(user, title=f"Few {i}"), 1)
    slug = bare_scene(user, title="Few 2").topic.slug
    measured = []
    for more in (0, 28):
        for i in range(more):
            grow(bare_scene(user, title=f"Many {i}"), 1)
        if signed_in:
            _signed_in(client, auth)
        measured.append({url: _count(client, queries, url.format(slug)) for url in LISTINGS})
        if signed_in:
            auth.logout()
    expected = {url: counts[signed_in] for url, counts in LISTINGS.items()}
    assert measured == [expected, expected]


def test_a_profile_of_24_scenes_costs_a_fixed_number_like_one_of_2(client, auth, user, queries):
    """A profile costs the same fixed count for 2 scenes and 24, read by others and by its owner."""
    few = make_user("few")
    for i in range(2):
        grow(bare_scene(few, title=f"Few {i}"), 1)
    for i in range(24):
        grow(bare_scene(user, title=f"Many {i}"), 1 + i % 3)
    signed_out = PROFILE["someone else's"][0]
    assert _count(client, queries, "/users/mara") == signed_out
    assert _count(client, queries, "/users/few") == signed_out
    _signed_in(client, auth, "few")
    assert _count(client, queries, "/users/mara") == PROFILE["someone else's"][1]
    assert _count(client, queries, "/users/few") == PROFILE["their own"][1]
    auth.logout()
    _signed_in(client, auth)
    assert _count(client, queries, "/users/mara") == PROFILE["their own"][1]


#: the other pages a signed-in person reads (their account, the composer, their reports …): statements sent
SIGNED_IN_PAGES = {"/account": 2, "/scenes/new": 1, "/topics": 1, "/help": 0, "/feedback": 0, "/moderation/reports": 1,
                   "/moderation/strikes": 2, "/legal/terms": 0, "/report/scene/{scene}": 2, "/api/v1/me": 0,
                   "/api/v1/topics": 1, "/scenes/{scene}/captions.vtt": 2}


def _count_afresh(client, queries, url: str) -> int:
    """``_count`` of a request that loads its viewer itself (requests share the test's app context, and the user
    the last one loaded is no longer in a session)."""
    from flask import g

    g.pop("_login_user", None)
    return _count(client, queries, url)


def test_every_other_signed_in_page_costs_a_fixed_number_with_few_things_and_many(client, auth, user, queries):
    """The rest of what a signed-in person reads costs the same fixed count whether they own one scene and
    reported one, or thirteen and six (their row comes from the kept viewer rows: a page that reads nothing
    else sends no statement)."""
    from tests.moderation.helpers import report

    measured = []
    for scenes, segments, reports in ((1, 1, 1), (12, 8, 5)):
        owned = [bare_scene(user, title=f"Owned {len(measured)}-{i}") for i in range(scenes)]
        for scene in owned:
            grow(scene, segments)
        others = [bare_scene(make_user(f"other{len(measured)}{i}"), title=f"Theirs {i}") for i in range(reports)]
        for scene in others:
            grow(scene, 2)
        theirs = [scene.public_id for scene in others]
        refs = {"scene": owned[-1].public_id}
        _signed_in(client, auth)
        for ref in theirs:
            assert report(client, "scene", ref).status_code == 303
        client.get("/help")  # shows the report's message
        measured.append({url: _count_afresh(client, queries, url.format(**refs)) for url in SIGNED_IN_PAGES})
        auth.logout()
    assert measured == [SIGNED_IN_PAGES, SIGNED_IN_PAGES]
