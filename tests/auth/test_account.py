import re

from app.extensions import db
from app.models import ApiToken
from tests.conftest import csrf_token_from
from tests.factories import PASSWORD


def _form_token(client) -> str:
    return csrf_token_from(client.get("/account").get_data(as_text=True))


def test_change_password_requires_current_one(client, auth, user):
    """The new password only takes when the current one is right."""
    auth.login()
    resp = client.post("/account/password", data={
        "pw-current_password": "wrong wrong wrong", "pw-new_password": "fresh passphrase 9",
        "pw-confirm": "fresh passphrase 9", "csrf_token": _form_token(client)})
    assert resp.status_code == 422 and "current password is not correct" in resp.get_data(as_text=True)
    resp = client.post("/account/password", data={
        "pw-current_password": PASSWORD, "pw-new_password": "fresh passphrase 9",
        "pw-confirm": "fresh passphrase 9", "csrf_token": _form_token(client)})
    assert resp.status_code == 302
    auth.logout()
    assert auth.login("mara", "fresh passphrase 9").status_code == 302


def test_api_token_shown_once_stored_hashed_and_revocable(client, auth, user):
    """A new token is shown once, stored only as a hash, works on the API until revoked."""
    auth.login()
    resp = client.post("/account/tokens", data={"tok-name": "laptop", "csrf_token": _form_token(client)})
    assert resp.status_code == 201
    raw = re.search(r'id="new-token">([^<]+)<', resp.get_data(as_text=True)).group(1)
    row = db.session.query(ApiToken).one()
    assert row.token_hash != raw and raw not in row.token_hash
    assert raw not in client.get("/account").get_data(as_text=True)
    auth.logout()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status_code == 200 and me.json["user"]["username"] == "mara"
    auth.login()
    client.post(f"/account/tokens/{row.id}/revoke", data={"csrf_token": _form_token(client)})
    auth.logout()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_account_requires_login(client):
    """Anonymous visitors are sent to sign in."""
    resp = client.get("/account")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
