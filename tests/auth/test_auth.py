import re
from pathlib import Path

from app.extensions import db
from app.models import User
from tests.conftest import csrf_token_from
from tests.factories import PASSWORD, make_user


def _mails(app) -> list[str]:
    return [path.read_text() for path in sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))]


def ask_to_register(client, email="nia@example.com"):
    token = csrf_token_from(client.get("/auth/register").get_data(as_text=True))
    return client.post("/auth/register", data={"email": email, "csrf_token": token})


def register(client, app, email="nia@example.com", username="nia", password="violet tuesday 42", confirm=None):
    """The whole sign-up: ask for the link, open it from the outbox, choose a username and password."""
    assert ask_to_register(client, email).status_code == 302
    link = re.search(r"http://localhost(/auth/register/\S+)", _mails(app)[-1]).group(1)
    page = client.get(link)
    assert page.status_code == 200
    return client.post(link, data={
        "username": username, "password": password, "confirm": confirm if confirm is not None else password,
        "csrf_token": csrf_token_from(page.get_data(as_text=True)),
    })


def test_register_by_mailed_link_stores_scrypt_hash_and_signs_in(client, app):
    """Registering through the mailed link stores a scrypt hash (never the password) and signs the user in."""
    resp = register(client, app)
    assert resp.status_code == 302
    user = db.session.query(User).filter_by(username="nia").one()
    assert user.email == "nia@example.com" and user.password_hash.startswith("scrypt:")
    assert "violet" not in user.password_hash
    assert "nia" in client.get("/").get_data(as_text=True)


def test_register_refuses_short_and_common_passwords(client, app):
    """Short, common and name-based passwords are refused with a clear message."""
    resp = register(client, app, password="short1")
    assert resp.status_code == 422 and "at least 10 characters" in resp.get_data(as_text=True)
    resp = register(client, app, password="password123")
    assert resp.status_code == 422 and "too common" in resp.get_data(as_text=True)
    resp = register(client, app, password="nia-is-my-name")
    assert resp.status_code == 422 and "username" in resp.get_data(as_text=True)
    assert db.session.query(User).count() == 0


def test_registration_does_not_reveal_whether_an_email_has_an_account(client, app, user):
    """Guards issue 12 point 10: the form answers a known email exactly as an unknown one; only the mailbox
    learns the difference (its owner is told someone tried), and no account or link is made for it."""
    known = ask_to_register(client, "mara@example.com")
    known_flash = client.get("/").get_data(as_text=True)
    unknown = ask_to_register(client, "new@example.com")
    unknown_flash = client.get("/").get_data(as_text=True)
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert "mara@example.com" in known_flash and "new@example.com" in unknown_flash
    assert known_flash.replace("mara@example.com", "X") == unknown_flash.replace("new@example.com", "X")
    to_owner, to_newcomer = _mails(app)
    assert "To: mara@example.com" in to_owner and "already have one" in to_owner
    assert "/auth/register/" not in to_owner and "/auth/reset" in to_owner
    assert "To: new@example.com" in to_newcomer and "/auth/register/" in to_newcomer
    assert db.session.query(User).count() == 1


def test_registration_link_refuses_a_taken_username_and_works_once(client, app, user):
    """A taken username is refused at the last step (usernames are public); a used link can't make a second account."""
    resp = register(client, app, email="other@example.com", username="Mara")
    assert resp.status_code == 422 and "taken" in resp.get_data(as_text=True)
    link = re.search(r"http://localhost(/auth/register/\S+)", _mails(app)[-1]).group(1)
    page = client.get(link)
    ok = client.post(link, data={"username": "otto", "password": "violet tuesday 42", "confirm": "violet tuesday 42",
                                 "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert ok.status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_token_from(client.get("/").get_data(as_text=True))})
    again = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "already used" in again


def test_tampered_registration_link_is_refused(client):
    """A forged registration link sends the visitor back to the form with an explanation."""
    assert "not valid" in client.get("/auth/register/forged", follow_redirects=True).get_data(as_text=True)


def test_login_with_email_or_username_and_logout(client, auth, user):
    """Either the email or the username signs in; logout ends the session."""
    assert auth.login("mara").status_code == 302
    assert client.get("/account").status_code == 200
    auth.logout()
    assert client.get("/account").status_code == 302
    assert auth.login("MARA@example.com").status_code == 302
    assert client.get("/account").status_code == 200


def test_unknown_account_and_wrong_password_get_the_same_message(client, auth, user):
    """No account enumeration: both failures answer the same status and text."""
    wrong = auth.login("mara", "not the password at all")
    unknown = auth.login("nobody", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    msg = "don&#39;t match"
    assert msg in wrong.get_data(as_text=True) and msg in unknown.get_data(as_text=True)


def test_login_throttle_answers_429_with_retry_after(app, client, auth, user):
    """Past LOGIN_LIMIT the login endpoint answers 429 with Retry-After."""
    app.config["LOGIN_LIMIT"] = "3/minute"
    for _ in range(3):
        assert auth.login("mara", "wrong password!!").status_code == 401
    resp = auth.login("mara", "wrong password!!")
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) > 0
    assert "too many requests" in resp.get_data(as_text=True)


def test_form_post_without_csrf_token_is_refused(client, user):
    """A form POST with no CSRF token is a 400 and signs nobody in."""
    resp = client.post("/auth/login", data={"identifier": "mara", "password": PASSWORD})
    assert resp.status_code == 400
    assert "security token" in resp.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def _reset_link(app) -> str:
    outbox = Path(app.config["OUTBOX_DIR"])
    mails = sorted(outbox.glob("*.eml"))
    assert mails, "no mail in the outbox"
    body = mails[-1].read_text()
    return re.search(r"http://localhost(/auth/reset/\S+)", body).group(1)


def test_password_reset_by_outbox_link_is_single_use(app, client, auth, user):
    """The emailed link sets a new password once; the old password and the used link stop working."""
    token = csrf_token_from(client.get("/auth/reset").get_data(as_text=True))
    resp = client.post("/auth/reset", data={"identifier": "mara", "csrf_token": token})
    assert resp.status_code == 302
    link = _reset_link(app)
    page = client.get(link)
    assert page.status_code == 200
    new = "a brand new passphrase"
    resp = client.post(link, data={"password": new, "confirm": new, "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert resp.status_code == 302
    assert auth.login("mara", PASSWORD).status_code == 401
    assert auth.login("mara", new).status_code == 302
    auth.logout()
    again = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "already been used" in again


def test_reset_for_unknown_account_sends_nothing_and_says_the_same(app, client):
    """Asking to reset an unknown account looks the same and writes no mail."""
    token = csrf_token_from(client.get("/auth/reset").get_data(as_text=True))
    resp = client.post("/auth/reset", data={"identifier": "ghost", "csrf_token": token}, follow_redirects=True)
    assert "If that account exists" in resp.get_data(as_text=True)
    assert not list(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))


def test_tampered_reset_token_is_refused(client):
    """A forged token redirects to the reset form with an explanation."""
    resp = client.get("/auth/reset/not-a-token", follow_redirects=True)
    assert "not valid" in resp.get_data(as_text=True)


def test_moderator_and_admin_roles(app):
    """Roles give moderators and admins their powers."""
    admin = make_user("root", role="admin")
    mod = make_user("mod", role="moderator")
    plain = make_user("pat")
    assert admin.is_admin and admin.is_moderator
    assert mod.is_moderator and not mod.is_admin
    assert not plain.is_moderator
