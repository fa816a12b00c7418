"""Whole pages kept for signed-out readers: served from Redis until anything they show changes."""
import threading
import time

from app import cache_versions as versions
from app.caching import BUILD_WAIT_SECONDS, LISTING_STORE, PAGE_STORE
from app.extensions import db, redis_client
from app.models import Scene
from app.story.writing import change_scene
from tests.factories import bare_scene, grow, make_scene, scene_url


def _sneak_title(scene_id: int, title: str) -> None:
    """A change no cache can see (raw SQL): shows whether a page came from the cache."""
    db.session.execute(db.text("UPDATE scenes SET title = :t WHERE id = :id"), {"t": title, "id": scene_id})
    db.session.commit()


def test_readers_get_the_kept_page_until_the_scene_changes(app, client, user):
    scene = bare_scene(user, title="Lighthouse")
    grow(scene, 2)
    scene_id = scene.id
    urls = [scene_url(scene_id), scene_url(scene_id, "/watch"), scene_url(scene_id, api=True), "/"]
    for url in urls:
        assert "Lighthouse" in client.get(url).get_data(as_text=True)
    _sneak_title(scene_id, "Sneaky")
    for url in urls:
        assert "Sneaky" not in client.get(url).get_data(as_text=True), url  # kept copies
    change_scene(db.session.get(Scene, scene_id), db.session.get(Scene, scene_id).owner, title="Lamp Room")
    for url in urls:
        assert "Lamp Room" in client.get(url).get_data(as_text=True), url


def test_a_new_segment_or_a_bible_correction_moves_the_pages_on(app, client, auth, user):
    scene = bare_scene(user, title="Lighthouse")
    grow(scene, 1)
    scene_id = scene.id
    tree = versions.tree(scene.head_segment_id)
    version = versions.value(tree)
    assert "1 segment" in client.get(scene_url(scene_id)).get_data(as_text=True)
    grow(db.session.get(Scene, scene_id), 1)
    assert versions.value(tree) > version
    assert "2 segments" in client.get(scene_url(scene_id)).get_data(as_text=True)
    assert "Keeper" not in client.get(scene_url(scene_id, "/bible")).get_data(as_text=True)
    auth.login()
    token = auth.csrf(scene_url(scene_id, "/bible"))
    client.post(scene_url(scene_id, "/bible"), data={"csrf_token": token, "op": "create", "key": "character",
                                                   "value": "Keeper"})
    auth.logout()
    assert "Keeper" in client.get(scene_url(scene_id, "/bible")).get_data(as_text=True)


def test_pages_with_work_in_progress_are_never_kept(app, client, user):
    scene_id = make_scene(user, title="Rendering").scene.id  # its first segment is queued
    assert "Rendering" in client.get(scene_url(scene_id)).get_data(as_text=True)
    _sneak_title(scene_id, "Sneaky")
    assert "Sneaky" in client.get(scene_url(scene_id)).get_data(as_text=True)
    assert "Sneaky" in client.get(scene_url(scene_id, api=True)).get_data(as_text=True)


def test_signed_in_people_and_tokens_always_get_a_fresh_page(app, client, auth, user):
    scene = bare_scene(user, title="Lighthouse")
    grow(scene, 1)
    scene_id = scene.id
    client.get(scene_url(scene_id))
    _sneak_title(scene_id, "Sneaky")
    auth.login()
    page = client.get(scene_url(scene_id)).get_data(as_text=True)
    assert "Sneaky" in page and "Scene settings" in page


def test_readers_pages_set_no_cookie_and_hidden_scenes_stay_hidden(app, client, user):
    scene = bare_scene(user, title="Lighthouse")
    grow(scene, 1)
    secret = bare_scene(user, title="Diary", visibility="private")
    grow(secret, 1)
    for url in ("/", scene_url(scene), f"/topics/{scene.topic.slug}"):
        response = client.get(url)
        assert response.status_code == 200 and "Set-Cookie" not in response.headers, url
        assert 'name="csrf-token"' not in response.get_data(as_text=True)
    for _ in range(2):
        assert client.get(scene_url(secret)).status_code == 404


def _keys() -> set[bytes]:
    from app.extensions import redis_client

    return set(redis_client().scan_iter(count=1000))


def test_unknown_query_parameters_make_no_new_cache_entries(app, client, user):
    """Guards issue 12 point 5: `GET /?junk=N` for many N is served from one kept page and Redis does not grow."""
    grow(bare_scene(user, title="Lighthouse"), 1)
    client.get("/")
    before = _keys()
    for n in range(60):
        response = client.get(f"/?junk={n}&after=not-a-cursor&utm_source={n}")
        assert response.status_code == 200 and "Lighthouse" in response.get_data(as_text=True)
    assert _keys() == before
    assert PAGE_STORE.size() == 1


def test_the_page_cache_keeps_a_bounded_number_of_entries_and_never_touches_queue_keys(app, client, auth, user):
    """Valid but endless parameter values (keyset cursors) fill at most PAGE_CACHE_MAX_ENTRIES entries, oldest
    dropped first, while the queued job and the rate-limit counters stay."""
    from app.extensions import redis_client

    app.config.update(PAGE_CACHE_MAX_ENTRIES=5, LISTING_CACHE_MAX_ENTRIES=5)
    make_scene(user, title="Queued")  # an RQ job waits in the queue
    auth.login("mara", "a wrong password")  # a rate-limit counter and a failed sign-in
    kept = {key for key in _keys() if not key.startswith((b"sf-pages:", b"sf-listings:", b"sf:version"))}
    assert {b"rq", b"LIMITS", b"sf-login"} <= {key.split(b":")[0] for key in kept}, kept
    for second in range(40):
        assert client.get(f"/?after=2030-01-01T00:00:{second:02d}Z~{second + 1}").status_code == 200
    assert PAGE_STORE.size() == 5 and LISTING_STORE.size() == 5
    assert len([k for k in _keys() if k.startswith(b"sf-pages:") and k != PAGE_STORE.index.encode()]) <= 5
    assert kept <= _keys()
    assert redis_client().llen("rq:queue:generate") == 1


def test_declared_parameters_still_make_their_own_pages(app, client, user):
    """A page's own parameter (the listing cursor) is part of its key: the next page is not the first one."""
    for title in ("First", "Second", "Third"):
        grow(bare_scene(user, title=title), 1)
    app.config["LISTING_CACHE_SECONDS"] = 600
    first = client.get("/users/mara").get_data(as_text=True)
    assert all(t in first for t in ("First", "Second", "Third"))
    from app.story.listings import scenes_by

    cursor = scenes_by(user, limit=1).next
    older = client.get(f"/users/mara?after={cursor}").get_data(as_text=True)
    assert "Third" not in older and "Second" in older


def _later(app, seconds: float, action) -> threading.Thread:
    """``action()`` in another thread (with the app) after ``seconds``: another request finishing its build."""
    def run():
        time.sleep(seconds)
        with app.app_context():
            action()
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _home_key() -> str:
    """Where the home page is kept for readers at its current version."""
    return PAGE_STORE.find([versions.HOME], "/?after=None")[0]


def test_a_page_another_request_is_building_is_waited_for_not_built_again(app, client, user):
    grow(bare_scene(user, title="Lighthouse"), 1)
    key = _home_key()
    assert PAGE_STORE.get(key) is None
    assert PAGE_STORE.claim_or_wait(key) == (True, None)  # another request is building the home page …
    other = _later(app, 0.2, lambda: (PAGE_STORE.put(key, b"text/html\nbuilt by the other request", 60),
                                      PAGE_STORE.release(key, kept=True)))
    started = time.monotonic()
    page = client.get("/").get_data(as_text=True)
    other.join()
    assert page == "built by the other request"  # … so this one served what it kept instead of building
    assert 0.2 <= time.monotonic() - started < BUILD_WAIT_SECONDS


def test_a_claim_that_keeps_nothing_or_lapses_stops_the_waiting(app, client, user):
    grow(bare_scene(user, title="Lighthouse"), 1)
    key = _home_key()
    assert PAGE_STORE.claim_or_wait(key) == (True, None)
    other = _later(app, 0.2, lambda: PAGE_STORE.release(key, kept=False))  # a page it decided not to keep
    assert "Lighthouse" in client.get("/").get_data(as_text=True)  # built here once the other gave up
    other.join()
    started = time.monotonic()
    assert PAGE_STORE.claim_or_wait(key) == (False, PAGE_STORE.get(key))  # kept now: nobody waits …
    PAGE_STORE.release(key, kept=False)
    assert PAGE_STORE.claim_or_wait("/nothing-kept") == (True, None)
    PAGE_STORE.release("/nothing-kept", kept=False)
    assert PAGE_STORE.claim_or_wait("/nothing-kept") == (False, None)  # … nor for a page that is not kept
    assert time.monotonic() - started < 0.1


def test_a_built_page_ends_its_claim_and_a_lapsed_claim_is_built_over(app, client, user, monkeypatch):
    grow(bare_scene(user, title="Lighthouse"), 1)
    key = _home_key()
    assert "Lighthouse" in client.get("/").get_data(as_text=True)
    assert redis_client().get(PAGE_STORE.claim_key(key)) is None  # the builder let go of its claim
    redis_client().delete(PAGE_STORE.prefix + key)
    monkeypatch.setattr("app.caching.BUILD_WAIT_SECONDS", 0.1)
    assert PAGE_STORE.claim_or_wait(key) == (True, None)  # a request that died while building …
    started = time.monotonic()
    assert "Lighthouse" in client.get("/").get_data(as_text=True)  # … holds nobody up for long
    assert time.monotonic() - started < 1
