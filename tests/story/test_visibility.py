"""Visibility: public is listed, unlisted is link-only, private is owner-only — and changing it never breaks
a fork's playback of the segments it shares, nor exposes anything past the fork point."""
import pytest

from app.auth.accounts import create_api_token
from app.extensions import db
from app.models import Scene, Segment
from app.models.paths import segment_path
from tests.factories import bare_scene, build_scene, by_public_id, grow, make_user, scene_url, segment_url, tree_url

THREE = ["Mara waits on the pier.", "A gull lands beside her.", "The fog lifts."]


def _bearer(user):
    return {"Authorization": f"Bearer {create_api_token(user, 't').raw}"}


def _media_uris(client, url) -> list[str]:
    playlist = client.get(url)
    assert playlist.status_code == 200, url
    return [line for line in playlist.get_data(as_text=True).splitlines() if line and not line.startswith("#")]


@pytest.fixture
def went_private(app, client, auth, user, worker):
    """Mara's 3-segment scene, forked by Bob at segment 2 (with one segment of his own), then made private."""
    app.config["GENERATION_IN_FLIGHT_LIMIT"] = 10
    scene_id = build_scene(user, worker, THREE)
    path = [s.id for s in segment_path(db.session.get(Scene, scene_id).head_segment_id)]
    at = db.session.get(Segment, path[1]).public_id
    bob = _bearer(make_user("bob"))
    fork = client.post(scene_url(scene_id, "/forks", api=True), json={"segment_id": at, "title": "Bob's pier"},
                       headers=bob).json["scene"]["id"]
    client.post(f"/api/v1/scenes/{fork}/segments", json={"prompt": "Bob rows out.", "after_segment_id": at},
                headers=bob)
    worker()
    fork_media_before = _media_uris(client, f"/scenes/{fork}/playlist.m3u8")
    auth.login()
    page = client.get(scene_url(scene_id))
    assert "Scene settings" in page.get_data(as_text=True)
    changed = client.post(scene_url(scene_id, "/settings"), data={
        "csrf_token": auth.csrf(scene_url(scene_id)), "title": "Harbour Lights", "visibility": "private"})
    assert changed.status_code == 302 and db.session.get(Scene, scene_id).visibility == "private"
    auth.logout()
    return {"scene": scene_id, "path": path, "fork": by_public_id(Scene, fork).id, "fork_media": fork_media_before}


def test_a_public_fork_keeps_playing_what_it_shares_after_the_parent_goes_private(client, went_private):
    """Every media URL of the fork's playlist still answers, before and after the change."""
    after = _media_uris(client, scene_url(went_private["fork"], "/playlist.m3u8"))
    assert after == went_private["fork_media"]
    for uri in after:
        assert client.get(uri).status_code == 200, uri
    shared = went_private["path"][0]
    assert client.get(segment_url(shared, "/playlist.m3u8")).status_code == 200


def test_nothing_past_the_fork_point_is_exposed(app, client, user, went_private):
    """The private parent's later segments — and any written after the change — are 404 to others."""
    mara = db.session.get(Scene, went_private["scene"])
    later = grow(mara, 1)[0]  # written after the change
    for segment_id in (went_private["path"][2], later.id):
        segment = db.session.get(Segment, segment_id)
        assert client.get(segment_url(segment, "/playlist.m3u8")).status_code == 404
        if segment.poster_key:
            assert client.get(f"/media/{segment.poster_key}").status_code == 404
    third = db.session.get(Segment, went_private["path"][2])
    assert client.get(f"/media/{third.media_prefix}hls/part00000.ts").status_code == 404
    assert client.get(scene_url(went_private["scene"])).status_code == 404
    assert client.get(scene_url(went_private["scene"], api=True)).status_code == 404
    assert client.get(scene_url(went_private["scene"], "/playlist.m3u8")).status_code == 404


def test_pages_after_the_change_hide_the_private_parent(client, went_private):
    """The fork's page names no private scene; the tree shows only the fork's branch to others."""
    page = client.get(scene_url(went_private["fork"])).get_data(as_text=True)
    lineage = " ".join(page.split('class="lineage">')[1].split("</p>")[0].split())
    assert "from another scene at segment" in lineage and "Harbour Lights" not in page
    tree = client.get(tree_url(went_private["path"][0], api=True)).json
    assert [b["scene_id"] for b in tree["branches"]] == [db.session.get(Scene, went_private["fork"]).public_id]
    html = client.get(tree_url(went_private["path"][0])).get_data(as_text=True)
    assert "Harbour Lights" not in html and "Bob&#39;s pier" in html
    assert "Harbour Lights" not in client.get("/").get_data(as_text=True)


def test_others_can_fork_a_shared_segment_through_the_public_fork(client, auth, went_private):
    """Forking at a shared segment goes through the visible fork; the new scene inherits its visibility."""
    make_user("cleo")
    auth.login("cleo")
    shared = went_private["path"][0]
    through = db.session.get(Scene, went_private["fork"])
    resp = client.post(segment_url(shared, f"/fork?scene={through.public_id}"),
                       data={"csrf_token": auth.csrf(scene_url(through))})
    assert resp.status_code == 302
    fork = db.session.scalars(db.select(Scene).where(Scene.owner.has(username="cleo"))).one()
    assert fork.visibility == "public" and fork.forked_from_segment_id == shared
    third = went_private["path"][2]
    assert client.post(segment_url(third, "/fork"), data={"csrf_token": auth.csrf("/")}).status_code == 404


def test_the_owner_still_sees_everything(client, auth, went_private):
    auth.login()
    assert client.get(scene_url(went_private["scene"])).status_code == 200
    tree = client.get(tree_url(went_private["path"][0], api=True)).json
    assert {b["scene_id"] for b in tree["branches"]} == {db.session.get(Scene, went_private[k]).public_id
                                                          for k in ("scene", "fork")}


def test_unlisted_is_reachable_by_link_but_never_listed(app, client, user):
    """Unlisted scenes: not on home, topic pages, the parent's forks list or tree — but open by link."""
    original = bare_scene(user, title="Open Sea")
    grow(original, 2)
    eve = make_user("eve")
    hidden = bare_scene(eve, title="Quiet Cove", visibility="unlisted")
    grow(hidden, 1)
    fork = Scene(title="Secret Branch", topic_id=original.topic_id, owner=eve, visibility="unlisted",
                 head_segment_id=original.head_segment_id, forked_from_segment_id=original.head_segment_id,
                 segment_count=2)
    db.session.add(fork)
    db.session.commit()
    grow(fork, 1, author=eve)
    root = segment_path(original.head_segment_id)[0]
    topic = original.topic.slug
    for url in ("/", f"/topics/{topic}", scene_url(original), tree_url(root)):
        html = client.get(url).get_data(as_text=True)
        assert "Quiet Cove" not in html and "Secret Branch" not in html, url
    assert [b["scene_id"] for b in client.get(tree_url(root, api=True)).json["branches"]] == [original.public_id]
    assert client.get(scene_url(hidden)).status_code == 200
    assert client.get(scene_url(fork, api=True)).status_code == 200
    with_link = client.get(tree_url(root, came_from=fork, api=True)).json
    assert {b["scene_id"] for b in with_link["branches"]} == {original.public_id, fork.public_id}


def test_private_scenes_are_missing_everywhere_for_others(client, auth, user):
    """Private: not listed, and 404 on page, API, tree and playlist for everyone but the owner."""
    secret = bare_scene(user, title="Locked Diary", visibility="private")
    root = grow(secret, 2)[0]
    for url in ("/", f"/topics/{secret.topic.slug}"):
        assert "Locked Diary" not in client.get(url).get_data(as_text=True)
    for url in (scene_url(secret), scene_url(secret, api=True), tree_url(root), tree_url(root, api=True),
                scene_url(secret, "/playlist.m3u8"), segment_url(root, "/playlist.m3u8")):
        assert client.get(url).status_code == 404, url
    auth.login()
    assert client.get(tree_url(root)).status_code == 200
    assert "Locked Diary" not in client.get("/").get_data(as_text=True)  # listings are public scenes only


def test_only_the_owner_changes_visibility_and_bad_values_are_refused(client, auth, user):
    scene = bare_scene(user, title="Night Train")
    eve = _bearer(make_user("eve"))
    assert client.patch(scene_url(scene, api=True), json={"visibility": "private"}, headers=eve).status_code == 403
    mara = _bearer(user)
    bad = client.patch(scene_url(scene, api=True), json={"visibility": "secret"}, headers=mara)
    assert bad.status_code == 422 and bad.json["error"]["field"] == "visibility"
    assert client.patch(scene_url(scene, api=True), json={"title": "  "}, headers=mara).status_code == 422
    assert client.patch(scene_url(scene, api=True), data="{", headers={**mara, "Content-Type": "application/json"}
                        ).status_code == 400
    ok = client.patch(scene_url(scene, api=True), json={"visibility": "unlisted", "title": "Night Train II"},
                      headers=mara)
    assert ok.status_code == 200 and ok.json["scene"]["visibility"] == "unlisted"
    assert ok.json["scene"]["title"] == "Night Train II"
    auth.login("eve")
    assert client.post(scene_url(scene, "/settings"), data={
        "csrf_token": auth.csrf(scene_url(scene)), "title": "Mine", "visibility": "private"}).status_code == 403
    assert db.session.get(Scene, scene.id).visibility == "unlisted"


def test_settings_form_errors_keep_the_page(client, auth, user):
    scene = bare_scene(user, title="Night Train")
    auth.login()
    resp = client.post(scene_url(scene, "/settings"), data={
        "csrf_token": auth.csrf(scene_url(scene)), "title": "", "visibility": "public"})
    assert resp.status_code == 422 and "Give your scene a title." in resp.get_data(as_text=True)
