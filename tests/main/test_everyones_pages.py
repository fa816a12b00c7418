"""Responses the same for everyone (a public scene's API reads and playlist, ``app.pages.everyones_page``): one copy
kept for readers, members and API tokens alike, served before anybody is loaded, and never for what only some
may see."""
from flask import g

from app.extensions import db
from app.models import Segment
from tests.factories import bare_scene, grow, make_user, scene_url
from tests.main.test_viewer_pages import _browser, _page


def test_a_public_scenes_api_read_is_kept_once_for_readers_and_members(app, client, user, queries):
    """What a reader was answered is what a member is answered next, with no SQL and nobody loaded."""
    scene = bare_scene(user, title="Lighthouse")
    grow(scene, 3)
    make_user("olga")
    scene_ref = scene.public_id
    for url in (scene_url(scene_ref, api=True), scene_url(scene_ref, "/bible", api=True)):
        read = client.get(url)
        assert read.status_code == 200
        olga = _browser(app, "olga")
        db.session.expunge_all()
        g.pop("_login_user", None)
        with queries:
            kept = olga.get(url)
        assert queries.count == 0, url
        assert "_login_user" not in g, url
        assert kept.get_data() == read.get_data() and kept.headers["ETag"] == read.headers["ETag"]
        assert olga.get(url, headers={"If-None-Match": kept.headers["ETag"]}).status_code == 304


def test_a_private_scenes_api_read_is_never_kept(app, client, user):
    """Its owner's answer is not kept: a reader and another member still get 404."""
    scene = bare_scene(user, title="Diary", visibility="private")
    grow(scene, 2)
    make_user("olga")
    url = scene_url(scene.public_id, api=True)
    mara = _browser(app, "mara")
    assert "Diary" in _page(mara, url) and "Diary" in _page(mara, url)
    g.pop("_login_user", None)  # requests share the test's app context: forget mara
    assert client.get(url).status_code == 404
    assert _browser(app, "olga").get(url).status_code == 404


def test_an_api_read_with_a_withheld_segment_is_built_every_time(client, user, queries):
    """A withheld segment shows differently once moderators act, so the scene's read is not kept while it has one;
    the hold shows on the very next read of a kept one."""
    scene = bare_scene(user, title="Harbour")
    path = grow(scene, 3)
    for segment in path:
        segment.video_key = f"segments/{segment.public_id}/video.mp4"
    db.session.commit()
    url, held = scene_url(scene.public_id, api=True), path[1].public_id

    def video_of(answer) -> str | None:
        return next(s["media"]["video"] for s in answer.get_json()["scene"]["segments"] if s["id"] == held)

    assert video_of(client.get(url)) and video_of(client.get(url))
    db.session.scalar(db.select(Segment).where(Segment.public_id == held)).moderation_state = "held"
    db.session.commit()
    assert video_of(client.get(url)) is None
    with queries:
        assert video_of(client.get(url)) is None
    assert queries.count > 0
