"""Public ids: an unlisted link is a secret. Counting through sequential ids finds no unlisted or private
scene, segment, job, tree or media; the public-id link works; old numeric URLs of public scenes still do."""
import re

import pytest
from sqlalchemy import func, select

from app.auth.accounts import create_api_token
from app.extensions import db, storage
from app.models import GenerationJob, Scene, Segment
from app.models.base import PUBLIC_ID_ALPHABET, PUBLIC_ID_LENGTH, new_public_id
from app.models.paths import segment_path
from app.story.writing import continue_scene
from tests.factories import bare_scene, grow, make_user, scene_url, tree_url

HIDDEN_TITLES = ("Quiet Cove", "Locked Diary", "Secret Branch")


@pytest.fixture
def world(app, user):
    """Mara's public scene (with Eve's unlisted fork of it), Eve's unlisted scene and her private one; every
    scene ends in a segment still generating, so each has a job; segments carry media, old-style and new."""
    app.config["GENERATION_IN_FLIGHT_LIMIT"] = 10
    eve = make_user("eve")
    public = bare_scene(user, title="Open Sea")
    grow(public, 2)
    unlisted = bare_scene(eve, title="Quiet Cove", visibility="unlisted")
    grow(unlisted, 2, author=eve, prompt="Eve rows into the cove.")
    private = bare_scene(eve, title="Locked Diary", visibility="private")
    grow(private, 2, author=eve, prompt="Eve writes in her diary.")
    fork = Scene(title="Secret Branch", topic_id=public.topic_id, owner=eve, visibility="unlisted",
                 head_segment_id=public.head_segment_id, forked_from_segment_id=public.head_segment_id,
                 segment_count=public.segment_count)
    db.session.add(fork)
    db.session.commit()
    grow(fork, 1, author=eve, prompt="Eve rows into the cove.")
    for scene in (public, unlisted, private, fork):
        for segment in segment_path(scene.head_segment_id):
            if segment.poster_key is None:
                old_style = segment.id % 2 == 0  # media stored before public ids named its folder by number
                folder = segment.id if old_style else segment.public_id
                segment.poster_key = f"segments/{folder}/poster.jpg"
                segment.hls = {"target": 5, "parts": [[5.0, "part00000.ts"]]}  # what its playlist lists
                storage().put(segment.poster_key, b"\xff\xd8 a poster", "image/jpeg")
        db.session.commit()
        continue_scene(scene, scene.owner, "Waves roll in.", scene.head_segment_id)
    return {"public": public, "unlisted": unlisted, "private": private, "fork": fork}


def _hidden_segments(world) -> list[Segment]:
    shown = {s.id for s in segment_path(world["public"].head_segment_id)}
    return [s for key in ("unlisted", "private", "fork") for s in db.session.scalars(
        select(Segment).where(Segment.scene_id == world[key].id)) if s.id not in shown]


def _top_id() -> int:
    return max(db.session.scalar(select(func.max(m.id))) for m in (Scene, Segment, GenerationJob)) + 3


def _reveals_nothing(resp, url):
    assert resp.status_code in (404, 301, 200), (url, resp.status_code)
    body = resp.get_data().decode(errors="replace")
    assert not any(title in body for title in HIDDEN_TITLES), url
    assert "Eve rows" not in body and "Eve writes" not in body, url


@pytest.mark.parametrize("who", ["stranger", "signed-in stranger"])
def test_counting_through_ids_finds_no_unlisted_or_private_scene(client, auth, world, who):
    """GET /api/v1/scenes/1..N, the pages, segment playlists, jobs, trees, Bible reads and media by number:
    everything unlisted or private answers 404, exactly like an id that does not exist."""
    if who == "signed-in stranger":
        make_user("bob")
        auth.login("bob")
    hidden_scenes = {world[k].id for k in ("unlisted", "private", "fork")}
    hidden_segments = {s.id for s in _hidden_segments(world)}
    hidden_jobs = {j.id for j in db.session.scalars(select(GenerationJob)) if j.segment_id in hidden_segments}
    root = segment_path(world["public"].head_segment_id)[0]
    assert hidden_scenes and hidden_segments and hidden_jobs
    for n in range(1, _top_id()):
        for url in (f"/api/v1/scenes/{n}", f"/scenes/{n}", f"/scenes/{n}/watch", f"/scenes/{n}/bible",
                    f"/scenes/{n}/playlist.m3u8", f"/api/v1/scenes/{n}/bible"):
            resp = client.get(url)
            _reveals_nothing(resp, url)
            if n in hidden_scenes:
                assert resp.status_code == 404, url
        for url in (f"/segments/{n}/playlist.m3u8", f"/media/segments/{n}/poster.jpg",
                    f"/api/v1/scenes/{world['public'].public_id}/bible?segment={n}", f"/stories/{n}",
                    f"/api/v1/stories/{n}"):
            resp = client.get(url)
            _reveals_nothing(resp, url)
            if n in hidden_segments:
                assert resp.status_code == 404, url
        resp = client.get(f"/api/v1/jobs/{n}")
        _reveals_nothing(resp, f"/api/v1/jobs/{n}")
        if n in hidden_jobs:
            assert resp.status_code == 404, n
        for url in (f"{tree_url(root)}?from={n}", f"{tree_url(root, api=True)}?from={n}"):
            _reveals_nothing(client.get(url), url)
    for segment in _hidden_segments(world):  # even new-style media keys need a signature or the link
        assert client.get(f"/media/{segment.poster_key}").status_code == 404


def test_the_public_id_link_opens_an_unlisted_scene(client, world):
    """Whoever has the link sees the unlisted scene: page, API, playlist of its segments, job, poster, tree."""
    unlisted = world["unlisted"]
    page = client.get(scene_url(unlisted))
    assert page.status_code == 200 and "Quiet Cove" in page.get_data(as_text=True)
    data = client.get(scene_url(unlisted, api=True)).json["scene"]
    assert data["id"] == unlisted.public_id and data["title"] == "Quiet Cove"
    assert not any(isinstance(v, int) and k.endswith("id") for k, v in data.items())
    job = db.session.scalars(select(GenerationJob).join(Segment).where(Segment.scene_id == unlisted.id)).first()
    assert client.get(f"/api/v1/jobs/{job.public_id}").json["id"] == job.public_id
    assert f'data-job-url="/api/v1/jobs/{job.public_id}"' in page.get_data(as_text=True)
    poster = next(s["media"]["poster"] for s in data["segments"] if s["media"]["poster"])
    assert "sig=" in poster and client.get(poster).status_code == 200  # signed: the key alone opens nothing
    fork = world["fork"]
    root = segment_path(fork.head_segment_id)[0]
    branches = client.get(tree_url(root, came_from=fork, api=True)).json["branches"]
    assert {b["scene_id"] for b in branches} == {world["public"].public_id, fork.public_id}
    assert "Secret Branch" not in client.get(tree_url(root)).get_data(as_text=True)


def test_old_numeric_urls_of_public_scenes_keep_working(client, auth, world):
    """A public scene's integer URLs move to its public-id URL (301, or 308 for a POST); the API answers them
    directly; the owner's own unlisted scene by number moves too; the tree by root number moves."""
    public = world["public"]
    page = client.get(f"/scenes/{public.id}/watch?t=5")
    assert page.status_code == 301 and page.headers["Location"] == f"{scene_url(public, '/watch')}?t=5"
    assert client.get(page.headers["Location"]).status_code == 200
    assert client.get(f"/api/v1/scenes/{public.id}").json["scene"]["id"] == public.public_id
    root = segment_path(public.head_segment_id)[0]
    moved = client.get(f"/stories/{root.id}")
    assert moved.status_code == 301 and moved.headers["Location"] == tree_url(root)
    auth.login("eve")
    posted = client.post(f"/scenes/{world['unlisted'].id}/continue", data={"prompt": "x", "csrf_token": auth.csrf("/")})
    assert posted.status_code == 308 and posted.headers["Location"] == scene_url(world["unlisted"], "/continue")
    assert client.get(f"/scenes/{world['private'].id}").status_code == 301


def test_public_ids_are_unguessable_and_unique(world):
    """Every scene, segment and job has a 12-character base62 id drawn from ≥ 64 bits, all distinct."""
    assert len(PUBLIC_ID_ALPHABET) == 62 and len(PUBLIC_ID_ALPHABET) ** PUBLIC_ID_LENGTH >= 2 ** 64
    stored = [row.public_id for model in (Scene, Segment, GenerationJob) for row in db.session.scalars(select(model))]
    drawn = [new_public_id() for _ in range(5000)]
    for token in stored + drawn:
        assert re.fullmatch(r"[A-Za-z0-9]{12}", token) and not token.isdigit(), token
    assert len(set(stored + drawn)) == len(stored) + len(drawn)
    assert set("".join(drawn)) == set(PUBLIC_ID_ALPHABET)  # every symbol turns up: the whole alphabet is used


def test_links_are_built_from_public_ids_only(app, world):
    """url_for writes a row's public id and refuses a bare integer, so no page can link by number."""
    from flask import url_for

    with app.test_request_context():
        assert url_for("scenes.show", scene_ref=world["public"]) == scene_url(world["public"])
        with pytest.raises(TypeError):
            url_for("scenes.show", scene_ref=world["public"].id)


def test_a_numeric_reference_in_a_body_finds_only_public_rows(client, world):
    """Request bodies that name segments by number get the same rule as URLs: unlisted ones are unknown."""
    bob = {"Authorization": f"Bearer {create_api_token(make_user('bob'), 't').raw}"}
    unlisted = world["unlisted"]
    forks = scene_url(unlisted, "/forks", api=True)
    assert client.post(forks, json={"segment_id": unlisted.head_segment_id}, headers=bob).status_code == 404
    made = client.post(forks, json={"segment_id": unlisted.head.public_id}, headers=bob)
    assert made.status_code == 201 and made.json["scene"]["head_segment_id"] == unlisted.head.public_id
    public = world["public"]
    by_number = client.post(scene_url(public, "/forks", api=True), json={"segment_id": public.head_segment_id},
                            headers=bob)
    assert by_number.status_code == 201 and by_number.json["scene"]["forked_from_segment_id"] == public.head.public_id
