"""Accounts in a real browser: register through the mailed link, sign out, sign in, reset the password
through the outbox."""
import re
from pathlib import Path

from tests.factories import make_topic

PASSWORD = "lantern harbour 77"
NEW_PASSWORD = "quiet meadow river 3"


def test_register_logout_login_reset_and_see_topics(app, live_server, page):
    """register (email → outbox link → username and password) → log out → log in → request a reset → follow the
    outbox link → log in with the new password."""
    make_topic("deep-sea", "Deep Sea")
    page.goto(live_server + "/")
    page.get_by_role("link", name="Join").click()
    page.get_by_label("Email").fill("ines@example.com")
    page.get_by_role("button", name="Send the link").click()
    assert page.get_by_text("Check ines@example.com").is_visible()
    mail = sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))[-1].read_text()
    page.goto(live_server + re.search(r"http://[^/\s]+(/auth/register/\S+)", mail).group(1))
    page.get_by_label("Username").fill("ines")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/topics$"))
    assert page.get_by_text("Welcome to StoryForge, ines!").is_visible()
    assert page.get_by_role("link", name="Deep Sea").is_visible()

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email or username").fill("ines")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("Signed in as ines.").is_visible()
    page.get_by_role("button", name="Sign out").click()

    page.goto(live_server + "/auth/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email or username").fill("ines@example.com")
    page.get_by_role("button", name="Send reset link").click()
    assert page.get_by_text("If that account exists").is_visible()
    mail = sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))[-1].read_text()
    path = re.search(r"http://[^/\s]+(/auth/reset/\S+)", mail).group(1)
    page.goto(live_server + path)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    assert page.get_by_text("Your password is changed").is_visible()
    page.get_by_label("Email or username").fill("ines")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("Signed in as ines.").is_visible()
    page.get_by_role("link", name="Topics", exact=True).click()
    assert page.get_by_role("heading", name="Topics").is_visible()
