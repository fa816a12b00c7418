"""Session cookies verified once per process while they stay plain (app/sessions.py)."""
import time

from flask import g

SIGNED_IN = "Account settings for mara"


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _page(client, path: str = "/help") -> str:
    g.pop("_login_user", None), g.pop("csrf_token", None)  # requests share the test's app context
    return client.get(path).get_data(as_text=True)


def test_a_plain_cookie_is_remembered_once_verified(app, client, auth, user):
    auth.login()
    _page(client)  # shows the welcome: the cookie that comes back holds no message
    assert SIGNED_IN in _page(client)
    remembered = app.extensions["sf_session_cookies"]
    assert _cookie(client) in remembered and set(remembered[_cookie(client)][0]) >= {"_user_id", "csrf_token"}
    assert SIGNED_IN in _page(client)


def test_a_tampered_cookie_is_refused_though_its_original_was_remembered(app, client, auth, user):
    auth.login()
    _page(client), _page(client)
    cookie = _cookie(client)
    assert cookie in app.extensions["sf_session_cookies"]
    tampered = cookie[:-3] + ("AAA" if not cookie.endswith("AAA") else "BBB")
    client.set_cookie("session", tampered)
    assert SIGNED_IN not in _page(client) and tampered not in app.extensions["sf_session_cookies"]


def test_a_remembered_cookie_stops_working_when_it_expires(app, client, auth, user, monkeypatch):
    auth.login()
    _page(client)
    assert SIGNED_IN in _page(client) and _cookie(client) in app.extensions["sf_session_cookies"]
    later = time.time() + app.permanent_session_lifetime.total_seconds() + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert SIGNED_IN not in _page(client)


def test_a_session_holding_a_message_is_verified_every_time(app, client, auth, user):
    auth.login()  # the sign-in flashes a welcome: the cookie holds a list
    assert _cookie(client) not in app.extensions.get("sf_session_cookies", {})
