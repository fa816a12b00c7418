"""Users from the console: search, the user page, and each action with its reason in the audit log."""
from __future__ import annotations

from app import audit
from app.auth import throttle
from app.extensions import db
from app.models import ApiToken, Role, User
from tests.conftest import AuthActions, csrf_token_from
from tests.factories import PASSWORD, make_user


def _post(client, path: str, **data):
    token = csrf_token_from(client.get("/admin/users").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def test_search_by_name_or_email(admin_client):
    make_user("mara", email="mara@harbour.example")
    make_user("olga", email="captain@ships.example")
    page = admin_client.get("/admin/users?q=SHIPS").get_data(as_text=True)
    assert "olga" in page and "mara" not in page
    page = admin_client.get("/admin/users?q=mar").get_data(as_text=True)
    assert "mara" in page and "olga" not in page


def test_user_page_shows_their_footprint(admin_client, known_world):
    page = admin_client.get(f"/admin/users/{known_world.ana.id}").get_data(as_text=True)
    assert "Lanterns" in page and "203.0.113.5" in page and "SAFETY.INPUT.TEXT" in page


def test_suspension_is_explained_at_sign_in_and_lifted(admin_client, new_client, admin):
    """A suspended user's sessions end, sign-in says why; unsuspending lets them back in."""
    mara = make_user("mara")
    theirs = new_client("198.51.100.4")
    AuthActions(theirs).login("mara")
    assert theirs.get("/account").status_code == 200
    response = _post(admin_client, f"/admin/users/{mara.id}/suspend", reason="Spamming the harbour topic")
    assert response.status_code == 302
    assert theirs.get("/account").status_code == 302  # the old session no longer works
    refused = AuthActions(theirs).login("mara")
    assert refused.status_code == 401
    assert "suspended" in refused.get_data(as_text=True) and "Spamming the harbour topic" in refused.get_data(as_text=True)
    entry = audit.history("user", mara.id)[0]
    assert (entry.action, entry.reason, entry.actor_id) == ("user.suspend", "Spamming the harbour topic", admin.id)
    _post(admin_client, f"/admin/users/{mara.id}/unsuspend", reason="Appeal accepted")
    assert AuthActions(theirs).login("mara").status_code == 302


def test_every_action_needs_a_reason(admin_client):
    mara = make_user("mara")
    response = _post(admin_client, f"/admin/users/{mara.id}/suspend", reason="  ")
    assert "Say why" in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.get(User, mara.id).suspended_at is None
    assert audit.history("user", mara.id) == []


def test_role_change(admin_client, admin):
    mara = make_user("mara")
    _post(admin_client, f"/admin/users/{mara.id}/role", role="moderator", reason="Runs the noir topic")
    db.session.expire_all()
    assert db.session.get(User, mara.id).role == Role.MODERATOR
    assert audit.history("user", mara.id)[0].after == {"role": "moderator"}
    _post(admin_client, f"/admin/users/{admin.id}/role", role="user", reason="oops")
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == Role.ADMIN  # nobody demotes themselves by accident


def test_unlock_forgets_failed_sign_ins(admin_client, new_client):
    mara = make_user("mara")
    guesser = new_client("192.0.2.77")
    for _ in range(8):
        AuthActions(guesser).login("mara", "wrong password")
    assert AuthActions(guesser).login("mara").status_code == 429
    _post(admin_client, f"/admin/users/{mara.id}/unlock", reason="Owner locked out on a new phone")
    assert AuthActions(guesser).login("mara").status_code == 302
    assert throttle.account_key(mara.id, "") == f"u{mara.id}"


def test_revoke_ends_sessions_and_tokens(admin_client, new_client):
    mara = make_user("mara")
    token, raw = ApiToken.issue(mara, "laptop")
    db.session.add(token)
    db.session.commit()
    theirs = new_client()
    AuthActions(theirs).login("mara")
    assert theirs.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    _post(admin_client, f"/admin/users/{mara.id}/revoke", reason="Token leaked in a public repo")
    assert theirs.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert theirs.get("/account").status_code == 302
    assert AuthActions(theirs).login("mara", PASSWORD).status_code == 302  # they can sign in again


def test_reset_quota_frees_the_hourly_limit(app, admin_client):
    from app.generation.submit import GenerationRefused, check_generation_allowed
    from tests.factories import bare_scene, grow

    mara = make_user("mara")
    grow(bare_scene(mara), app.config["GENERATION_HOURLY_LIMIT"])
    try:
        check_generation_allowed(mara)
        raise AssertionError("the limit should hold before the reset")
    except GenerationRefused:
        pass
    _post(admin_client, f"/admin/users/{mara.id}/reset-quota", reason="Workshop demo")
    db.session.expire_all()
    check_generation_allowed(db.session.get(User, mara.id))


def test_audit_log_filters(admin_client, admin):
    mara, olga = make_user("mara"), make_user("olga")
    _post(admin_client, f"/admin/users/{mara.id}/suspend", reason="reason one")
    _post(admin_client, f"/admin/users/{olga.id}/reset-quota", reason="reason two")
    page = admin_client.get("/admin/audit?action=user.suspend").get_data(as_text=True)
    assert "reason one" in page and "reason two" not in page
    page = admin_client.get(f"/admin/audit?target_type=user&target_id={olga.id}&actor=root").get_data(as_text=True)
    assert "reason two" in page and "reason one" not in page


def test_user_page_lists_their_strikes(admin_client, admin):
    """Strikes moderators gave show on the user page, with when they stop counting."""
    from app.moderation.strikes import issue_strike

    mara = make_user("mara")
    issue_strike(mara, admin, "spam in three scenes")
    db.session.commit()
    page = admin_client.get(f"/admin/users/{mara.id}").get_data(as_text=True)
    assert "Strikes (1)" in page and "spam in three scenes" in page and "counts until" in page
