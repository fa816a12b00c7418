"""Sessions end when they should: sign-out, a password change and a password reset make every earlier
session and remember-me cookie worthless (issue 12 point 3)."""
import re
from pathlib import Path

import pytest

from tests.conftest import AuthActions, csrf_token_from
from tests.factories import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def _stolen_cookies(auth) -> dict[str, str]:
    """Sign in with "keep me signed in" and copy the cookies an attacker could have taken."""
    assert auth.login(remember=True).status_code == 302
    cookies = {name: auth.client.get_cookie(name).value for name in ("session", "remember_token")}
    assert all(cookies.values())
    return cookies


def _replay(new_client, cookies: dict[str, str], only: tuple[str, ...]):
    thief = new_client()
    for name in only:
        thief.set_cookie(name, cookies[name])
    return thief


def _log_out(new_client, auth):
    auth.logout()


def _change_password(new_client, auth):
    client = auth.client
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    resp = client.post("/account/password", data={"pw-current_password": PASSWORD, "pw-new_password": NEW_PASSWORD,
                                                  "pw-confirm": NEW_PASSWORD, "csrf_token": token})
    assert resp.status_code == 302


def _reset_password(new_client, auth):
    owner = new_client()  # the owner resets from another browser
    app = owner.application
    token = csrf_token_from(owner.get("/auth/reset").get_data(as_text=True))
    owner.post("/auth/reset", data={"identifier": "mara", "csrf_token": token})
    mail = sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))[-1].read_text()
    link = re.search(r"http://localhost(/auth/reset/\S+)", mail).group(1)
    page = owner.get(link).get_data(as_text=True)
    resp = owner.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": csrf_token_from(page)})
    assert resp.status_code == 302


@pytest.mark.parametrize("end", [_log_out, _change_password, _reset_password], ids=["logout", "password-change", "reset"])
@pytest.mark.parametrize("only", [("session", "remember_token"), ("remember_token",)], ids=["both", "remember-only"])
def test_replayed_cookies_are_signed_out_after(new_client, user, end, only):
    """Guards issue 12 point 3: cookies copied before sign-out / password change / reset answer /api/v1/me 401
    and see pages as signed out, whether the session cookie is replayed or only the remember-me cookie."""
    auth = AuthActions(new_client())
    cookies = _stolen_cookies(auth)
    assert _replay(new_client, cookies, only).get("/api/v1/me").status_code == 200  # copies work while it lives
    end(new_client, auth)
    thief = _replay(new_client, cookies, only)
    assert thief.get("/api/v1/me").status_code == 401
    page = thief.get("/")
    assert page.status_code == 200 and "Sign in" in page.get_data(as_text=True)
    assert thief.get("/account").status_code == 302


def test_changing_the_password_keeps_this_browser_signed_in(new_client, user):
    """The browser that changed the password stays signed in (with a new session); only the others end."""
    other, auth = AuthActions(new_client()), AuthActions(new_client())
    other.login()
    auth.login(remember=True)
    _change_password(new_client, auth)
    assert auth.client.get("/api/v1/me").status_code == 200
    assert other.client.get("/api/v1/me").status_code == 401
    fresh = new_client()
    fresh.set_cookie("remember_token", auth.client.get_cookie("remember_token").value)
    assert fresh.get("/api/v1/me").status_code == 200  # the remember-me cookie was issued again


def test_remember_cookie_is_samesite_lax_and_httponly(client, auth, user):
    """The remember-me cookie goes only with same-site navigation and is out of reach of scripts."""
    resp = auth.login(remember=True)
    header = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    assert "SameSite=Lax" in header and "HttpOnly" in header
