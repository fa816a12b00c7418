"""Sign-in throttling per account and client, with backoff: nobody can lock someone else out (issue 12 point 10)."""
import re

import pytest

from app.auth import throttle
from app.auth.accounts import reset_password, reset_token
from tests.conftest import AuthActions
from tests.factories import PASSWORD

WRONG = "not the password at all"


@pytest.fixture(autouse=True)
def _settings(app):
    app.config.update(LOGIN_LIMIT="1000/minute", LOGIN_BACKOFF_AFTER=3, LOGIN_ACCOUNT_BACKOFF_AFTER=6,
                      LOGIN_BACKOFF_MAX_SECONDS=600)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The throttle's clock, standing still unless a test moves it (a slow machine can't make a wait pass)."""
    clock = {"now": 1_800_000_000.0}
    monkeypatch.setattr(throttle, "now", lambda: clock["now"])
    return clock


@pytest.fixture
def browser_at(new_client):
    """A browser calling from an address, with the sign-in helpers."""
    return lambda address: AuthActions(new_client(address))


def _wait_asked(response) -> int:
    return int(re.search(r"Wait (\d+) seconds?", response.get_data(as_text=True)).group(1))


def test_an_attacker_hammering_an_account_cannot_stop_its_owner_signing_in(browser_at, user):
    """Guards issue 12 point 10: fifty wrong passwords from one address slow only that address; the owner
    signs in from their own at once (today's main locks the account for everyone after ten)."""
    attacker = browser_at("203.0.113.9")
    statuses = [attacker.login("mara", WRONG).status_code for _ in range(50)]
    assert statuses[:3] == [401, 401, 401] and set(statuses[3:]) == {429}
    owner = browser_at("198.51.100.4")
    assert owner.login("mara", PASSWORD).status_code == 302
    assert owner.client.get("/api/v1/me").json["user"]["username"] == "mara"


def test_a_throttled_client_waits_longer_each_time_and_even_the_right_password_waits(browser_at, clock, user):
    """Past the threshold the client is told how long to wait (Retry-After), the wait doubles, and no
    password is checked until it is over."""
    attacker = browser_at("203.0.113.9")
    for _ in range(3):
        attacker.login("mara", WRONG)
    first = attacker.login("mara", PASSWORD)
    assert first.status_code == 429 and _wait_asked(first) == 1 and int(first.headers["Retry-After"]) >= 1
    clock["now"] += 1.5
    assert attacker.login("mara", WRONG).status_code == 401
    assert _wait_asked(attacker.login("mara", WRONG)) == 2
    clock["now"] += 2.5
    assert attacker.login("mara", PASSWORD).status_code == 302


def test_guessing_from_many_addresses_slows_strangers_but_not_the_owners_browser(browser_at, user):
    """Failures from many addresses slow every browser the owner never used — not the owner's own browser
    (its signed device cookie vouches for it), and a password reset clears the count."""
    owners_browser = browser_at("198.51.100.4")
    assert owners_browser.login().status_code == 302
    owners_browser.logout()
    for i in range(6):
        assert browser_at(f"203.0.113.{i}").login("mara", WRONG).status_code == 401
    stranger = browser_at("192.0.2.77")
    assert stranger.login("mara", PASSWORD).status_code == 429
    assert owners_browser.login("mara", PASSWORD).status_code == 302
    reset_password(reset_token(user), "quiet meadow river 3")
    assert stranger.login("mara", "quiet meadow river 3").status_code == 302


def test_unknown_accounts_are_throttled_exactly_like_known_ones(browser_at, user):
    """The throttle answers an unknown name as it answers a known one, so it reveals no accounts."""
    known, unknown = browser_at("203.0.113.9"), browser_at("203.0.113.10")
    assert [known.login("mara", WRONG).status_code for _ in range(4)] == \
        [unknown.login("nobody-here", WRONG).status_code for _ in range(4)] == [401, 401, 401, 429]
