"""Deleting an account: forks by others keep playing, personal data goes; the export before it holds their work."""
from __future__ import annotations

import io
import json
import re
import zipfile

from sqlalchemy import select

from app.extensions import db, storage
from app.models import Feedback, Scene, Segment, SignIn, User
from app.story.writing import fork_at
from tests.conftest import AuthActions, csrf_token_from
from tests.factories import bare_scene, build_scene, grow, make_user


def _media_of(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


def test_deleted_writer_s_forked_scene_keeps_playing_and_their_data_goes(app, admin_client, new_client, worker):
    app.config["GENERATION_IN_FLIGHT_LIMIT"] = 10
    mara = make_user("mara", email="mara@harbour.example")
    olga = make_user("olga")
    scene_id = build_scene(mara, worker)  # three real rendered segments
    scene = db.session.get(Scene, scene_id)
    second = db.session.scalar(select(Segment).where(Segment.scene_id == scene_id, Segment.position == 2))
    fork = fork_at(scene, second, olga, "Olga's turn")
    lonely = bare_scene(mara, title="Nobody forked this")
    grow(lonely, 2, prompt="A quiet lighthouse.")
    lonely_id, fork_ref = lonely.id, fork.public_id
    db.session.add_all([SignIn(user_id=mara.id, address="203.0.113.9"),
                        Feedback(message="Please add captions.", user_id=mara.id)])
    db.session.commit()
    theirs = new_client()
    AuthActions(theirs).login("mara")

    export = admin_client.get(f"/admin/users/{mara.id}/export")
    assert export.status_code == 200 and export.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(export.data)) as archive:
        scenes = json.loads(archive.read("scenes.json"))
        account = json.loads(archive.read("account.json"))
        assert "feedback.json" in archive.namelist() and "segments.json" in archive.namelist()
    assert account["email"] == "mara@harbour.example"
    harbour = next(s for s in scenes if s["title"] == "Harbour Lights")
    assert [s["prompt"] for s in harbour["segments"]][0] == "Mara, in a red coat, waits on the pier."
    assert all(s["media"]["video"].startswith("http") for s in harbour["segments"])
    link = re.sub(r"^https?://[^/]+", "", harbour["segments"][0]["media"]["video"])
    assert admin_client.get(link).status_code in (200, 206)  # the links in the export fetch the media

    before = admin_client.get(f"/scenes/{fork_ref}/playlist.m3u8")
    assert before.status_code == 200
    page = admin_client.get(f"/admin/users/{mara.id}/delete").get_data(as_text=True)
    assert "1 fork by others plays them" in page and "delete 1 scene" in page
    token = csrf_token_from(page)
    refused = admin_client.post(f"/admin/users/{mara.id}/delete", data={"csrf_token": token, "reason": "asked by mail",
                                                                         "confirm": "not-mara"})
    assert refused.status_code == 200 and "Type the username" in refused.get_data(as_text=True)
    done = admin_client.post(f"/admin/users/{mara.id}/delete", data={"csrf_token": token, "reason": "asked by mail",
                                                                      "confirm": "mara"})
    assert done.status_code == 302

    db.session.expire_all()
    gone = db.session.get(User, mara.id)
    assert "mara" not in gone.username and "harbour.example" not in gone.email
    assert not gone.check_password("correct horse battery")
    assert db.session.scalars(select(SignIn).where(SignIn.user_id == mara.id)).all() == []
    assert db.session.scalars(select(Feedback).where(Feedback.user_id == mara.id)).all() == []
    assert theirs.get("/account").status_code == 302  # their session ended
    assert db.session.get(Scene, lonely_id) is None
    kept = db.session.get(Scene, scene_id)
    assert kept.visibility == "private" and kept.hidden_at is not None and kept.title == "A removed scene"

    anyone = new_client()
    after = anyone.get(f"/scenes/{fork_ref}/playlist.m3u8")
    assert after.status_code == 200
    media = _media_of(after.get_data(as_text=True))
    assert len(media) >= 2
    for url in media:
        assert anyone.get(re.sub(r"^https?://[^/]+", "", url)).status_code in (200, 206), url
    assert storage().list(f"segments/{second.public_id}/")  # the shared segment's files are still there


def test_a_deleted_writer_s_name_leaves_the_kept_pages_of_others_scenes(app, admin, new_client):
    """Pages kept for readers, the shells and fragments kept for signed-in viewers and the API's copy kept for
    everyone name each segment's writer: erasing a writer renames them everywhere at once, not at expiry."""
    from app.console import erasure

    olga, mara = make_user("olga"), make_user("mara")
    make_user("tomas")
    scene = bare_scene(olga, title="The long pier")
    grow(scene, 1)
    grow(scene, 1, author=mara, prompt="A boat rows out.")
    grow(scene, 1)
    ref, mara_id = scene.public_id, mara.id
    reader, member = new_client(), new_client()
    AuthActions(member).login("tomas")
    reads = [(client, url) for client in (reader, member) for url in (f"/scenes/{ref}", f"/api/v1/scenes/{ref}")]
    for client, url in reads * 2:  # kept by the first read, served from what was kept by the second
        assert "mara" in client.get(url).get_data(as_text=True)

    erasure.delete_account(db.session.get(User, admin.id), db.session.get(User, mara_id), "asked by mail", "mara")
    for client, url in reads:
        text = client.get(url).get_data(as_text=True)
        assert "mara" not in text and f"deleted-{mara_id}" in text, url
