"""Topics from the console and the API: create, rename with a redirect, reorder, archive, cover pictures."""
from __future__ import annotations

import io

from PIL import Image

from app import audit
from app.extensions import db, storage
from app.models import Topic
from tests.conftest import AuthActions, csrf_token_from
from tests.factories import make_topic, make_user


def _picture(size=(1200, 900), kind="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(out, kind)
    return out.getvalue()


def _csrf(client) -> str:
    return csrf_token_from(client.get("/admin/topics/new").get_data(as_text=True))


def test_create_rename_and_the_old_slug_redirects(admin_client, client):
    response = admin_client.post("/admin/topics/new", data={"csrf_token": _csrf(admin_client), "name": "Sky Pirates",
                                                            "slug": "sky-pirates", "description": "Airships.",
                                                            "hue": "20", "motif": "sun"})
    assert response.status_code == 302
    topic = db.session.scalar(db.select(Topic).where(Topic.slug == "sky-pirates"))
    admin_client.post(f"/admin/topics/{topic.id}", data={"csrf_token": _csrf(admin_client), "name": "Sky Pirates",
                                                         "slug": "airship-pirates", "description": "Airships.",
                                                         "hue": "20", "motif": "sun"})
    old = client.get("/topics/sky-pirates?after=x")
    assert old.status_code == 301 and old.headers["Location"].endswith("/topics/airship-pirates?after=x")
    assert client.get("/topics/airship-pirates").status_code == 200
    assert [e.action for e in audit.history("topic", topic.id)] == ["topic.edit", "topic.create"]


def test_bad_input_is_refused_and_kept(admin_client):
    make_topic("noir-city", "Noir City")
    response = admin_client.post("/admin/topics/new", data={"csrf_token": _csrf(admin_client), "name": "Noir Two",
                                                            "slug": "noir-city", "description": "Rain again."})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "already used" in page and "Rain again." in page
    response = admin_client.post("/admin/topics/new", data={"csrf_token": _csrf(admin_client), "name": "X",
                                                            "slug": "Not A Slug"})
    assert response.status_code == 422 and "lowercase letters" in response.get_data(as_text=True)


def test_cover_is_checked_and_resized(admin_client, client):
    topic = make_topic()
    form = {"csrf_token": _csrf(admin_client), "name": topic.name, "slug": topic.slug, "description": "",
            "hue": "220", "motif": "stars"}
    refused = admin_client.post(f"/admin/topics/{topic.id}", data={**form, "cover": (io.BytesIO(b"not a picture"), "x.png")},
                                content_type="multipart/form-data")
    assert refused.status_code == 422 and "a picture we can read" in refused.get_data(as_text=True)
    tiny = admin_client.post(f"/admin/topics/{topic.id}", data={**form, "cover": (io.BytesIO(_picture((100, 50))), "t.png")},
                             content_type="multipart/form-data")
    assert tiny.status_code == 422 and "at least 320" in tiny.get_data(as_text=True)
    done = admin_client.post(f"/admin/topics/{topic.id}", data={**form, "cover": (io.BytesIO(_picture()), "c.png")},
                             content_type="multipart/form-data")
    assert done.status_code == 302
    db.session.expire_all()
    key = db.session.get(Topic, topic.id).cover_key
    with Image.open(io.BytesIO(storage().read_bytes(key))) as stored:
        assert (stored.format, stored.size) == ("JPEG", (960, 480))
    page = client.get("/topics").get_data(as_text=True)
    assert key in page
    assert client.get(f"/media/{key}").status_code == 200


def test_reorder_and_archive(admin_client, client):
    a, b, c = make_topic("a-topic", "Alpha"), make_topic("b-topic", "Beta"), make_topic("c-topic", "Gamma")
    for i, t in enumerate((a, b, c)):
        t.position = i
    db.session.commit()
    admin_client.post(f"/admin/topics/{c.id}/up", data={"csrf_token": _csrf(admin_client)})
    listing = client.get("/topics").get_data(as_text=True)
    assert listing.index("Alpha") < listing.index("Gamma") < listing.index("Beta")
    admin_client.post(f"/admin/topics/{b.id}/archive", data={"csrf_token": _csrf(admin_client)})
    assert "Beta" not in client.get("/topics").get_data(as_text=True)
    assert "Beta" in admin_client.get("/admin/topics").get_data(as_text=True)


def test_topics_through_the_api_for_admins_only(admin_client, new_client):
    token = _csrf(admin_client)
    created = admin_client.post("/api/v1/topics", json={"name": "Moon Base", "slug": "moon-base"},
                                headers={"X-CSRFToken": token})
    assert created.status_code == 201 and created.json["topic"]["slug"] == "moon-base"
    renamed = admin_client.patch("/api/v1/topics/moon-base", json={"slug": "lunar-base", "position": 0},
                                 headers={"X-CSRFToken": token})
    assert renamed.status_code == 200 and renamed.json["topic"] == {
        **renamed.json["topic"], "slug": "lunar-base", "position": 0, "archived": False}
    assert admin_client.patch("/api/v1/topics/moon-base", json={"archived": True},
                              headers={"X-CSRFToken": token}).json["topic"]["archived"] is True
    bad = admin_client.patch("/api/v1/topics/lunar-base", json={"slug": "Bad Slug"}, headers={"X-CSRFToken": token})
    assert bad.status_code == 422 and bad.json["error"]["field"] == "slug"
    make_user("mara")
    writer = new_client()
    AuthActions(writer).login("mara")
    csrf = csrf_token_from(writer.get("/").get_data(as_text=True))
    assert writer.post("/api/v1/topics", json={"name": "Mine", "slug": "mine"}, headers={"X-CSRFToken": csrf}).status_code == 403
    assert new_client().post("/api/v1/topics", json={"name": "Mine", "slug": "mine"}).status_code == 401
