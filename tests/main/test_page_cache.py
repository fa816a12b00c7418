"""Whole pages kept for signed-out readers: served from Redis until anything they show changes."""
from app.caching import PAGES
from app.extensions import db
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
    version = PAGES.current()
    assert "1 segment" in client.get(scene_url(scene_id)).get_data(as_text=True)
    grow(db.session.get(Scene, scene_id), 1)
    assert PAGES.current() > version
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
