from app.auth.accounts import create_api_token
from tests.factories import make_topic


def test_me_with_bad_token_is_401_json(client, user):
    """A bad Bearer token is a 401 with the JSON error shape."""
    resp = client.get("/api/v1/me", headers={"Authorization": "Bearer sf_nope"})
    assert resp.status_code == 401
    assert resp.json["error"]["code"] == "unauthorized"
    assert resp.json["error"]["message"]


def test_me_with_good_token_returns_the_user(client, user):
    """A good Bearer token identifies its user."""
    raw = create_api_token(user, "cli").raw
    resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert resp.status_code == 200
    assert resp.json["user"] == {**resp.json["user"], "username": "mara", "email": "mara@example.com", "role": "user"}


def test_me_anonymous_is_401(client):
    """Without a token or session the API answers 401 JSON."""
    resp = client.get("/api/v1/me")
    assert resp.status_code == 401 and resp.is_json


def test_me_with_session(client, auth, user):
    """A signed-in browser session also authenticates API calls."""
    auth.login()
    assert client.get("/api/v1/me").json["user"]["username"] == "mara"


def test_topics_listing(client):
    """/api/v1/topics lists topics as JSON."""
    make_topic("noir-city", "Noir City")
    assert client.get("/api/v1/topics").json == {
        "topics": [{"slug": "noir-city", "name": "Noir City", "description": "All about Noir City."}]
    }


def test_unknown_endpoint_is_json_404(client):
    """Unknown API paths answer JSON, not an HTML page."""
    resp = client.get("/api/v1/nothing-here")
    assert resp.status_code == 404 and resp.json["error"]["code"] == "not_found"
