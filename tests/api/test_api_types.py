"""The typed API: schemas refuse wrong types with a field-level 422 and store nothing, ids no row can have are
404, and the OpenAPI document describes exactly the routes there are (issue 12 points 8 and 9)."""
import pytest
from openapi_spec_validator import validate

from app.auth.accounts import create_api_token
from app.extensions import db
from app.models import Scene, Segment
from tests.factories import bare_scene, grow, make_topic

HUGE = 2**63
NUMBERS = {"title": "Rain on Fifth", "topic": "noir-city", "prompt": "Ray waits under a neon sign."}


@pytest.fixture
def bearer(user):
    make_topic("noir-city", "Noir City")
    return {"Authorization": f"Bearer {create_api_token(user, 'tests').raw}"}


@pytest.fixture
def scene(user):
    scene = bare_scene(user, title="Harbour")
    grow(scene, 2)
    return db.session.get(Scene, scene.id)


@pytest.mark.parametrize(("override", "field"), [
    ({"prompt": 42}, "prompt"), ({"prompt": {"text": "x"}}, "prompt"), ({"prompt": None}, "prompt"),
    ({"topic": ["noir-city"]}, "topic"), ({"visibility": ["public"]}, "visibility"), ({"visibility": "secret"}, "visibility"),
    ({"title": {"a": 1}}, "title"), ({"title": 7}, "title"), ({"declare": "Mara"}, "declare"),
    ({"declare": [{"kind": "character", "name": "Mara", "attributes": {"coat": 3}}]}, "declare.0.attributes.coat"),
    ({"declare": [{"kind": "villain", "name": "Mara"}]}, "declare.0.kind"), ({"colour": "red"}, "colour"),
])
def test_wrong_types_in_a_new_scene_are_422_naming_the_field(client, bearer, override, field):
    """Guards issue 12 point 8: wrong JSON types answer 422 with the field, never a 500, and create nothing."""
    resp = client.post("/api/v1/scenes", json={**NUMBERS, **override}, headers=bearer)
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["field"] == field and resp.json["error"]["message"].startswith(field)
    assert db.session.query(Scene).count() == 0


@pytest.mark.parametrize("after", ["a-b", "", 1.5, True, [1], {"id": "x"}])
def test_a_continuation_after_a_segment_of_the_wrong_type_is_422(client, bearer, scene, after):
    """after_segment_id as "a-b", "", 1.5, true, a list or an object is a 422 for that field."""
    resp = client.post(f"/api/v1/scenes/{scene.public_id}/segments", json={"prompt": "Waves.", "after_segment_id": after},
                       headers=bearer)
    assert resp.status_code == 422 and resp.json["error"]["field"] == "after_segment_id"
    assert db.session.query(Segment).count() == 2


@pytest.mark.parametrize(("method", "path", "body"), [
    ("post", "/scenes/{scene}/segments", {"prompt": "Waves.", "after_segment_id": HUGE}),
    ("post", "/scenes/{scene}/check", {"prompt": "Waves.", "after_segment_id": HUGE}),
    ("post", "/scenes/{scene}/forks", {"segment_id": HUGE}),
    ("post", "/scenes/{scene}/merge", {"fork_scene_id": 10**30}),
    ("post", "/scenes/{scene}/forks", {"segment_id": -1}),
    ("get", "/scenes/{scene}/bible?segment=" + str(HUGE), None),
    ("get", "/stories/{root}?from=" + str(HUGE), None),
])
def test_ids_no_row_can_have_are_404_not_500(client, bearer, scene, method, path, body):
    """Ids past 2^63 (or below 1) in bodies and query strings are not found, on SQLite and PostgreSQL alike."""
    root = db.session.scalars(db.select(Segment).where(Segment.parent_id.is_(None))).one()
    url = "/api/v1" + path.format(scene=scene.public_id, root=root.public_id)
    resp = getattr(client, method)(url, headers=bearer, **({"json": body} if body is not None else {}))
    expected = 200 if path.startswith("/stories") else 404  # an unknown "from" scene just shows the public tree
    assert resp.status_code == expected, resp.json


def test_query_parameters_of_the_wrong_type_are_422(client, scene):
    """?segment=a-b (no id looks like that) on the Bible is a 422 naming the parameter."""
    resp = client.get(f"/api/v1/scenes/{scene.public_id}/bible?segment=a-b")
    assert resp.status_code == 422 and resp.json["error"]["field"] == "segment"


def test_huge_keyset_cursors_and_forms_ids_are_not_500(client, auth, user, scene):
    """A cursor, a ?scene= or a form's segment id past 2^63 is read as absent on the pages."""
    assert client.get(f"/?after=2030-01-01T00:00:00Z~{HUGE}").status_code == 200
    assert client.get(f"/users/mara?after=2030-01-01T00:00:00Z~{10**30}").status_code == 200
    auth.login()
    token = auth.csrf(f"/scenes/{scene.public_id}")
    resp = client.post(f"/scenes/{scene.public_id}/continue", data={"prompt": "Waves.", "after_segment_id": "abc",
                                                              "csrf_token": token})
    assert resp.status_code == 409  # read as "not the head you saw": the scene moved on
    resp = client.post(f"/scenes/{scene.public_id}/merge", data={"fork_scene_id": str(HUGE), "csrf_token": token})
    assert resp.status_code == 404


def test_a_rename_to_a_non_string_is_refused_not_stored(client, bearer, scene, user):
    """Guards issue 12 point 9: PATCH title {"a": 1} is a 422 and the title stays; so do NUL and RLO titles."""
    for title in ({"a": 1}, "Night\x00Train", "\u202eniarT", "\u200b\u200b"):
        resp = client.patch(f"/api/v1/scenes/{scene.public_id}", json={"title": title}, headers=bearer)
        assert resp.status_code == 422 and resp.json["error"]["field"] == "title"
    db.session.expire_all()
    assert db.session.get(Scene, scene.id).title == "Harbour"
    ok = client.patch(f"/api/v1/scenes/{scene.public_id}", json={"title": "Ame\u0301lie  at sea"}, headers=bearer)
    assert ok.status_code == 200 and ok.json["scene"]["title"] == "Amélie at sea"


@pytest.mark.parametrize(("body", "field"), [
    ({"op": "set_attribute", "entity_id": "C1", "key": 3, "value": "red"}, "key"),
    ({"op": "set_attribute", "entity_id": "C1", "key": "coat", "value": ["red"]}, "value"),
    ({"op": "set_attribute", "entity_id": "C1", "key": "coat", "value": "r" * 256}, "value"),
    ({"op": "create", "key": "character", "value": "Mara\x00"}, "value"),
    ({"op": "explode", "entity_id": "C1"}, "op"),
    ({"op": "create", "key": {"kind": "character"}, "value": "Mara"}, "key"),
])
def test_bible_changes_are_typed_and_capped_like_the_form(client, bearer, scene, body, field):
    """Non-string Bible keys or values, values over the form's 255 characters and unknown ops are refused."""
    resp = client.post(f"/api/v1/scenes/{scene.public_id}/bible/changes", json=body, headers=bearer)
    assert resp.status_code == 422 and resp.json["error"]["field"] == field


def test_the_continuity_check_is_throttled(app, client, user):
    """Guards issue 12 point 10: /api/v1/check answers 429 past CHECK_LIMIT, per caller (each may be a paid
    LLM call); another caller still gets checks."""
    app.config["CHECK_LIMIT"] = "3/minute"
    statuses = [client.post("/api/v1/check", json={"prompt": "Mara waits."}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.4"
    assert other.post("/api/v1/check", json={"prompt": "Mara waits."}).status_code == 200


def test_openapi_document_is_valid_and_covers_every_route(app, client):
    """The served document is valid OpenAPI 3.1 and has an operation for every /api/v1 route and method."""
    doc = client.get("/api/v1/openapi.json").json
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    import re

    routed = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1")), method)
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1") and rule.endpoint != "api.openapi"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed
    new_scene = doc["components"]["schemas"]["NewScene"]
    assert new_scene["additionalProperties"] is False and new_scene["properties"]["prompt"]["type"] == "string"


def test_api_docs_page_lists_every_operation(client):
    """/api/docs is a server-rendered page of the same document: every path and every shape, no inline code."""
    doc = client.get("/api/v1/openapi.json").json
    page = client.get("/api/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for path in doc["paths"]:
        assert f"<code>{path}</code>" in html
    assert 'id="schema-NewScene"' in html and "<script>" not in html and "style=" not in html


def test_unknown_endpoints_and_methods_answer_json(client):
    """An unknown path is a JSON 404 pointing at the docs; a known path with the wrong method is a JSON 405."""
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and "/api/docs" in missing.json["error"]["message"]
    wrong = client.put("/api/v1/topics")
    assert wrong.status_code == 405 and wrong.json["error"]["code"] == "method_not_allowed"
