"""Kept pages follow the story tree, topic or listing that changed, and browsers revalidate with ETags."""
from app import cache_versions as versions
from app.extensions import db
from app.models import BibleChange, GenerationJob, Scene, Segment
from tests.conftest import csrf_token_from
from tests.factories import HARBOUR_PROMPTS, bare_scene, build_scene, grow, make_topic, make_user, scene_url


def _sneak_title(scene_id: int, title: str) -> None:
    """A change no cache can see (raw SQL): shows whether a page came from the cache."""
    db.session.execute(db.text("UPDATE scenes SET title = :t WHERE id = :id"), {"t": title, "id": scene_id})
    db.session.commit()


def _fork(scene: Scene, at, title: str) -> int:
    fork = Scene(title=title, topic_id=scene.topic_id, owner=scene.owner, head_segment_id=at.id,
                 forked_from_segment_id=at.id, segment_count=at.position)
    db.session.add(fork)
    db.session.commit()
    grow(fork, 1)
    return fork.id


def _pages(scene_id: int) -> list[str]:
    return [scene_url(scene_id), scene_url(scene_id, "/watch"), scene_url(scene_id, "/bible"),
            scene_url(scene_id, api=True)]


def test_a_publish_in_one_story_drops_its_pages_and_keeps_every_other_storys(app, client, user):
    """A new segment in scene A shows on A's pages at once, while scene B's kept pages stay kept."""
    a, b = bare_scene(user, title="Alpha"), bare_scene(user, title="Bravo")
    grow(a, 1)
    grow(b, 1)
    a_id, b_id = a.id, b.id
    for url in _pages(a_id) + _pages(b_id):
        assert client.get(url).status_code == 200, url
    _sneak_title(b_id, "Sneaky")
    grow(db.session.get(Scene, a_id), 1)
    assert "2 segments" in client.get(scene_url(a_id)).get_data(as_text=True)
    for url in _pages(b_id):
        assert "Sneaky" not in client.get(url).get_data(as_text=True), url  # B's kept copies still served


def test_a_bible_correction_on_a_shared_ancestor_drops_every_forks_page(app, client, user):
    """A Bible change on a segment two branches share moves the fork's pages on, not only the original's."""
    original = bare_scene(user, title="Original")
    path = grow(original, 3)
    fork_id = _fork(original, path[0], "The Fork")
    other = bare_scene(user, title="Elsewhere")
    grow(other, 1)
    other_id = other.id
    for url in _pages(fork_id) + _pages(other_id):
        assert client.get(url).status_code == 200, url
    _sneak_title(fork_id, "Sneaky Fork")
    _sneak_title(other_id, "Sneaky Other")
    db.session.add(BibleChange(segment_id=path[0].id, entity_public_id="C1", op="create", key="character",
                               value="Keeper"))
    db.session.commit()
    for url in _pages(fork_id):
        assert "Sneaky Fork" in client.get(url).get_data(as_text=True), url
    assert "Sneaky Other" not in client.get(scene_url(other_id)).get_data(as_text=True)


def test_a_new_scene_moves_its_topic_and_the_home_page_but_not_other_topics(app, client, user):
    """Listings are kept per topic: a scene in one topic leaves another topic's kept page in place."""
    sea, sky = make_topic("sea", "Sea"), make_topic("sky", "Sky")
    grow(bare_scene(user, title="Waves", topic=sea), 1)
    kite = bare_scene(user, title="Kite", topic=sky)
    grow(kite, 1)
    sky_version, home = versions.value(versions.topic("sky")), versions.value(versions.HOME)
    assert "Kite" in client.get("/topics/sky").get_data(as_text=True)
    _sneak_title(kite.id, "Sneaky")
    grow(bare_scene(user, title="Tide", topic=sea), 1)
    assert versions.value(versions.topic("sky")) == sky_version and versions.value(versions.HOME) > home
    assert "Tide" in client.get("/topics/sea").get_data(as_text=True)
    assert "Sneaky" not in client.get("/topics/sky").get_data(as_text=True)


def test_job_progress_and_a_generation_move_only_their_own_tree(app, client, user, worker):
    """Job progress moves no version; one whole generation moves its tree a few times and no other tree."""
    scene_id = build_scene(user, worker, prompts=HARBOUR_PROMPTS[:1])
    scene = db.session.get(Scene, scene_id)
    tree = versions.tree(scene.head_segment_id)
    other = bare_scene(user, title="Elsewhere")
    grow(other, 1)
    elsewhere = versions.tree(other.head_segment_id)
    before, other_before = versions.value(tree), versions.value(elsewhere)
    job = db.session.query(GenerationJob).first()
    job.progress, job.message = 42, "rendering 2 s of 5 s"
    db.session.commit()
    assert versions.value(tree) == before
    from app.story.writing import continue_scene

    continue_scene(scene, scene.owner, HARBOUR_PROMPTS[1], scene.head_segment_id)
    worker()
    assert 1 <= versions.value(tree) - before <= 3
    assert versions.value(elsewhere) == other_before


def test_readers_get_304_while_the_page_is_unchanged(app, client, user):
    """A returning browser's ETag answers 304 until the scene changes; then a new page and a new ETag."""
    scene = bare_scene(user, title="Lighthouse")
    grow(scene, 1)
    scene_id = scene.id
    for url in _pages(scene_id) + ["/topics/" + scene.topic.slug, "/"]:
        first = client.get(url)
        assert first.status_code == 200 and first.headers["ETag"], url
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and not again.data, url
    etag = client.get(scene_url(scene_id)).headers["ETag"]
    grow(db.session.get(Scene, scene_id), 1)
    changed = client.get(scene_url(scene_id), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_a_signed_in_etag_belongs_to_its_viewer(app, client, auth, user):
    """Each signed-in viewer gets their own ETag (304 for themselves, never for someone else's copy), and a
    waiting message makes a fresh page."""
    make_user("nico")
    scene = bare_scene(user, title="Lighthouse")
    grow(scene, 1)
    url = scene_url(scene.id)
    auth.login()
    assert "ETag" not in client.get(url).headers  # it shows the sign-in's flashed message, once
    mine = client.get(url)
    assert mine.headers["ETag"] and "private" in mine.headers["Cache-Control"]
    assert client.get(url, headers={"If-None-Match": mine.headers["ETag"]}).status_code == 304
    token = csrf_token_from(mine.get_data(as_text=True))
    client.post(scene_url(scene.id, "/continue"), data={"csrf_token": token, "prompt": ""})  # refused: a flash
    refused = client.get(url, headers={"If-None-Match": mine.headers["ETag"]})
    assert refused.status_code == 200 and "wasn't started" in refused.get_data(as_text=True)
    auth.logout()
    auth.login("nico")
    client.get(url)
    theirs = client.get(url, headers={"If-None-Match": mine.headers["ETag"]})
    assert theirs.status_code == 200 and theirs.headers["ETag"] != mine.headers["ETag"]


def test_kept_segment_lists_carry_each_viewers_own_name_and_token(app, client, auth, user):
    """The segment list kept for signed-in pages shows each viewer their own fork title and CSRF token (one
    that works), never those of the viewer it was first rendered for."""
    from app.caching import FRAGMENT_STORE

    make_user("nico")
    scene = bare_scene(user, title="Lighthouse")
    path = grow(scene, 3)
    url = scene_url(scene.id)
    auth.login()
    client.get("/help")
    mara_page = client.get(url).get_data(as_text=True)
    mara_token = csrf_token_from(mara_page)
    assert "Lighthouse — mara’s fork" in mara_page and FRAGMENT_STORE.size() == 1  # the list and the chapters, together
    from flask import g

    from tests.conftest import AuthActions

    for kept in ("_login_user", "csrf_token"):  # requests share the test's app context: forget mara's
        g.pop(kept, None)
    nico = app.test_client()  # another browser: its own session and CSRF token
    AuthActions(nico).login("nico")
    nico.get("/help")
    nico_page = nico.get(url).get_data(as_text=True)
    nico_token = csrf_token_from(nico_page)
    assert FRAGMENT_STORE.size() == 1  # the kept list served nico's page
    assert "mara’s fork" not in nico_page and nico_page.count("Lighthouse — nico’s fork") == 3
    assert mara_token not in nico_page and nico_page.count(f'value="{nico_token}"') >= 3
    forked = nico.post(f"/segments/{path[1].public_id}/fork?scene={scene.public_id}",
                       data={"csrf_token": nico_token, "title": "Nico's way", "prompt": ""})
    assert forked.status_code == 302 and db.session.query(Scene).filter_by(title="Nico's way").count() == 1


def test_a_kept_segment_list_outlives_changes_elsewhere_in_its_tree_but_never_a_takedown(app, client, auth, user):
    """A publish on a fork moves the story tree's version, so the scene page is built again, but its segment
    list is not rendered again; a segment taken out of view leaves the kept list unused at once."""
    from flask import g

    from app.caching import FRAGMENT_STORE

    make_user("nico")
    scene = bare_scene(user, title="Lighthouse")
    path = grow(scene, 3, prompt="The keeper climbs the stair.")
    scene_id, tree = scene.id, versions.scene_scope(db.session, scene.public_id)
    auth.login("nico")
    client.get("/help")
    assert "The keeper climbs the stair." in client.get(scene_url(scene_id)).get_data(as_text=True)
    kept = FRAGMENT_STORE.size()
    moved = versions.current(tree)
    _fork(db.session.get(Scene, scene_id), path[1], "Another way")
    _sneak_title(scene_id, "Lighthouse at dawn")  # shows the page itself was built again
    g.pop("_login_user", None)
    page = client.get(scene_url(scene_id)).get_data(as_text=True)
    assert versions.current(tree) != moved and "Lighthouse at dawn" in page
    assert FRAGMENT_STORE.size() == kept and page.count("The keeper climbs the stair.") == 9  # 3 segments × 3
    held = db.session.get(Segment, path[2].id)
    held.moderation_state = "held"
    db.session.commit()
    g.pop("_login_user", None)
    page = client.get(scene_url(scene_id)).get_data(as_text=True)
    assert page.count("The keeper climbs the stair.") == 6  # the held one's chapter, poster and text no longer
    assert page.count("Not shown: taken out of view by moderators.") == 3


def test_the_kept_story_tree_serves_only_viewers_who_see_what_readers_see(app, client, auth, user, queries):
    """A signed-in viewer with nothing unlisted gets the tree kept for everyone (few statements); the owner
    of a private branch in it gets their own tree, with that branch."""
    make_user("nico")
    original = bare_scene(user, title="Original")
    path = grow(original, 2)
    secret_id = _fork(original, path[0], "Mara's secret way")
    db.session.get(Scene, secret_id).visibility = "private"
    db.session.commit()
    url = f"/stories/{path[0].public_id}"
    assert "secret way" not in client.get(url).get_data(as_text=True)
    auth.login("nico")
    client.get("/help")
    assert "Original" in client.get(url).get_data(as_text=True)
    with queries:
        page = client.get(url).get_data(as_text=True)
    assert "Original" in page and "secret way" not in page and queries.count <= 3
    auth.logout()
    auth.login()
    client.get("/help")
    assert "Mara's secret way" in client.get(url).get_data(as_text=True).replace("&#39;", "'")


def test_a_scene_whose_first_segment_may_still_be_discarded_is_not_tied_to_its_tree(app, client, user):
    """Until a scene has a ready segment its first one may be discarded and replaced by a new root, so the
    scene's tree is looked up afresh each time rather than remembered."""
    from app.extensions import redis_client
    from app.models import Segment

    scene = bare_scene(user, title="Shaky start")
    failed = Segment(scene=scene, position=1, author=user, prompt="A failed start.", provider="local", seed=1,
                     width=640, height=360, fps=24, status="failed")
    db.session.add(failed)
    db.session.commit()
    assert "A failed start." in client.get(scene_url(scene.id)).get_data(as_text=True)
    assert redis_client().hget(versions.SCENE_ROOTS, scene.public_id) is None
    db.session.delete(failed)  # discarded; the next try is a new root
    db.session.commit()
    grow(scene, 1)
    page = client.get(scene_url(scene.id)).get_data(as_text=True)
    assert "Waves roll in." in page and "A failed start." not in page
    assert int(redis_client().hget(versions.SCENE_ROOTS, scene.public_id)) == scene.head_segment_id


def test_the_kept_bible_serves_people_who_cant_correct_it_and_follows_corrections(app, client, auth, user):
    """A signed-in reader of someone else's Bible gets the kept body (no correction forms); the owner gets
    their forms; a correction shows to the reader at once."""
    from app.caching import FRAGMENT_STORE

    make_user("nico")
    scene = bare_scene(user, title="Lighthouse")
    grow(scene, 1)
    url = scene_url(scene.id, "/bible")
    auth.login("nico")
    client.get("/help")
    assert "Correct the Bible" not in client.get(url).get_data(as_text=True)
    kept = FRAGMENT_STORE.size()
    assert kept == 1 and "Correct the Bible" not in client.get(url).get_data(as_text=True)
    assert FRAGMENT_STORE.size() == kept
    auth.logout()
    auth.login()
    client.get("/help")
    page = client.get(url).get_data(as_text=True)
    assert "Correct the Bible" in page
    client.post(url, data={"csrf_token": csrf_token_from(page), "op": "create", "key": "character",
                           "value": "Keeper"})
    auth.logout()
    auth.login("nico")
    client.get("/help")
    assert "Keeper" in client.get(url).get_data(as_text=True)


def test_a_scenes_tree_is_found_in_one_statement_and_is_its_roots(app, user, queries):
    """``scene_scope`` names a scene's tree by the root its head (or, before one, its fork point) grows from, in one
    SQL statement, and remembers it: a scene, a fork of a fork, a fork not yet continued, and none without a scene."""
    scene = bare_scene(user, title="Root")
    path = grow(scene, 3)
    fork = db.session.get(Scene, _fork(scene, path[1], "Fork"))
    fork_of_fork = db.session.get(Scene, _fork(fork, db.session.get(Segment, fork.head_segment_id), "Fork of a fork"))
    waiting = Scene(title="Waiting", topic_id=scene.topic_id, owner=user, forked_from_segment_id=path[0].id)
    db.session.add(waiting)
    db.session.commit()
    root = versions.tree(path[0].id)
    for named in [s.public_id for s in (scene, fork, fork_of_fork, waiting)]:
        with queries:
            assert versions.scene_scope(db.session, named) == [root], named
        assert queries.count == 1, named
        with queries:
            assert versions.scene_scope(db.session, named) == [root], named
        assert queries.count == 0, named
    assert versions.scene_scope(db.session, "nosuchscene0") is None
