"""Forking at a segment, lineage, and merging a fork back."""
from datetime import UTC, datetime

import pytest

from app.auth.accounts import create_api_token
from app.extensions import db, storage
from app.models import Scene
from app.models.paths import segment_path
from tests.factories import bare_scene, build_scene, by_public_id, grow, make_user, scene_url

FIVE = ["Mara waits on the pier.", "A gull lands beside her.", "The fog lifts.", "A ship appears.", "Mara waves."]


def _bearer(user):
    return {"Authorization": f"Bearer {create_api_token(user, 't').raw}"}


def test_fork_at_segment_2_shares_media_and_plays_1_2_then_its_own(app, client, user, worker):
    """A fork copies no bytes; its playlist is segments 1–2 of the original followed by its own."""
    app.config["GENERATION_IN_FLIGHT_LIMIT"] = 10
    scene_id = build_scene(user, worker, FIVE)
    path = segment_path(db.session.get(Scene, scene_id).head_segment_id)
    ids, refs = [s.id for s in path], [s.public_id for s in path]
    before = storage().total_bytes()
    forker = make_user("forker")
    resp = client.post(scene_url(scene_id, "/forks", api=True), json={"segment_id": refs[1]},
                       headers=_bearer(forker))
    assert resp.status_code == 201
    fork = resp.json["scene"]
    assert fork["title"].endswith("— fork") and fork["segment_count"] == 2 and fork["owner"]["username"] == "forker"
    shared = sum(s.duration for s in segment_path(ids[1]))
    assert fork["duration"] == pytest.approx(shared)  # the shared segments count towards the fork's length
    assert storage().total_bytes() == before
    grown = client.post(f"/api/v1/scenes/{fork['id']}/segments",
                        json={"prompt": "Mara turns back to the town.", "after_segment_id": refs[1]},
                        headers=_bearer(forker))
    assert grown.status_code == 202
    worker()
    playlist = client.get(f"/scenes/{fork['id']}/playlist.m3u8").get_data(as_text=True)
    uris = [line for line in playlist.splitlines() if line and not line.startswith("#")]
    owners = list(dict.fromkeys(uri.split("/")[3] for uri in uris))
    assert owners == [refs[0], refs[1], grown.json["segment"]["id"]]  # media under public ids
    page = client.get(f"/scenes/{fork['id']}").get_data(as_text=True)
    lineage = " ".join(page.split('class="lineage">')[1].split("</p>")[0].split())
    assert lineage.startswith("Forked by forker from mara’s scene") and "at segment 2" in lineage  # not by forker
    assert "forker" in client.get(scene_url(scene_id)).get_data(as_text=True)


def test_merge_fast_forwards_or_is_refused_with_a_reason(app, client, user, worker):
    """Merge works when the parent's head is still the fork point and is refused (409) once it moved."""
    app.config["GENERATION_IN_FLIGHT_LIMIT"] = 10
    scene = db.session.get(Scene, build_scene(user, worker, FIVE[:2]))
    scene_id, head = scene.public_id, scene.head.public_id
    forker, owner = _bearer(make_user("forker")), _bearer(user)
    fork_id = client.post(f"/api/v1/scenes/{scene_id}/forks", json={"segment_id": head},
                          headers=forker).json["scene"]["id"]
    client.post(f"/api/v1/scenes/{fork_id}/segments", json={"prompt": "The fog lifts.", "after_segment_id": head},
                headers=forker)
    worker()
    assert client.post(f"/api/v1/scenes/{scene_id}/merge", json={"fork_scene_id": fork_id},
                       headers=forker).status_code == 403
    merged = client.post(f"/api/v1/scenes/{scene_id}/merge", json={"fork_scene_id": fork_id}, headers=owner)
    assert merged.status_code == 200 and merged.json["scene"]["segment_count"] == 3
    assert by_public_id(Scene, fork_id) is not None  # the fork stays

    second_fork = client.post(f"/api/v1/scenes/{scene_id}/forks", json={"segment_id": head},
                              headers=forker).json["scene"]["id"]
    client.post(f"/api/v1/scenes/{second_fork}/segments", json={"prompt": "Rain falls.", "after_segment_id": head},
                headers=forker)
    worker()
    refused = client.post(f"/api/v1/scenes/{scene_id}/merge", json={"fork_scene_id": second_fork}, headers=owner)
    assert refused.status_code == 409 and "moved on" in refused.json["error"]["message"]


def test_fork_visibility_follows_the_parent(app, client, user, worker):
    """Forks of unlisted scenes are unlisted; private scenes can be forked only by their owner."""
    owner, other = _bearer(user), _bearer(make_user("eve"))
    unlisted = db.session.get(Scene, build_scene(user, worker, ["A quiet room."], visibility="unlisted"))
    fork = client.post(scene_url(unlisted, "/forks", api=True), json={"segment_id": unlisted.head.public_id},
                       headers=other)
    assert fork.status_code == 201 and fork.json["scene"]["visibility"] == "unlisted"
    private = db.session.get(Scene, build_scene(db.session.get(type(user), 1), worker, ["A locked diary."],
                                                visibility="private"))
    head = private.head.public_id
    assert client.post(scene_url(private, "/forks", api=True), json={"segment_id": head},
                       headers=other).status_code == 404
    own = client.post(scene_url(private, "/forks", api=True), json={"segment_id": head}, headers=owner)
    assert own.status_code == 201 and own.json["scene"]["visibility"] == "private"


def _fork_of(scene: Scene, at, owner, title: str, visibility: str = "public") -> Scene:
    fork = Scene(title=title, topic_id=scene.topic_id, owner=owner, head_segment_id=at.id, visibility=visibility,
                 forked_from_segment_id=at.id, segment_count=at.position)
    db.session.add(fork)
    db.session.commit()
    return fork


def test_a_scene_page_lists_its_newest_forks_and_links_the_rest_to_the_story_tree(client, auth, user):
    """Of 15 public forks the page lists the newest 12 and names the 3 more in the story tree; an unlisted fork
    shows only to its owner and to moderators; the scene's owner sees a fork they can merge back first."""
    from app.models import Role
    from app.story.lineage import FORKS_SHOWN, forks_of

    scene = bare_scene(user, title="Harbour")
    first, head = grow(scene, 2)
    others, eve = make_user("olga"), make_user("eve")
    for i in range(15):
        _fork_of(scene, first, others, f"Fork {i:02}")
    _fork_of(scene, first, eve, "Eve's own", visibility="unlisted")
    mergeable = _fork_of(scene, head, others, "Ready to merge")
    mergeable.created_at = datetime(2000, 1, 1, tzinfo=UTC)  # the oldest of all
    db.session.commit()
    grow(mergeable, 1)

    forks = forks_of(scene, None)
    assert forks.total == 16 and len(forks.shown) == FORKS_SHOWN == 12 and forks.more == 4
    assert [f.title for f in forks.shown][:2] == ["Fork 14", "Fork 13"]  # newest first
    assert "Eve's own" not in [f.title for f in forks_of(scene, others)]
    assert forks_of(scene, eve).total == 17 and forks_of(scene, eve).shown[0].title == "Eve's own"
    moderator = make_user("mod", role=Role.MODERATOR)
    assert forks_of(scene, moderator).total == 17
    assert forks_of(scene, user).shown[0].title == "Ready to merge"  # the owner's merge candidates come first
    assert forks_of(scene, user).shown[0].owner == "olga"

    page = client.get(scene_url(scene)).get_data(as_text=True)
    listed = page[page.index('id="forks-heading"'):].split("</section>")[0]
    assert listed.count("<li>") == 12 and "Ready to merge" not in listed  # the oldest is past the cut
    assert "4 more forks" in page and f"/stories/{first.public_id}?from={scene.public_id}" in page
    assert "see all 16 in the story tree" in page and "Eve&#39;s own" not in page
