"""The admin console in Chromium: suspending a user end to end, and topics created, renamed and given a cover."""
from __future__ import annotations

import io
import re

from PIL import Image

from app.extensions import db
from app.models import Feedback, Role
from tests.browser.test_accessibility_and_phones import PHONE, serious_violations, sign_in
from tests.factories import PASSWORD, make_topic, make_user


def _sign_in_page(browser, base: str, who: str):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(base + "/auth/login")
    page.get_by_label("Email or username").fill(who)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return page


def test_admin_suspends_a_user_who_is_told_why_then_unsuspends(app, live_server, page, browser):
    """find the user → suspend with a reason → their sign-in explains it → the audit log shows it → unsuspend."""
    make_user("root", role=Role.ADMIN)
    make_user("mara", email="mara@harbour.example")
    sign_in(page, live_server, "root")
    page.goto(live_server + "/admin/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert serious_violations(page) == []
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Users").click()
    page.get_by_label("Name or email").fill("harbour")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="mara").click()
    assert page.get_by_role("heading", name="mara").is_visible()
    assert serious_violations(page) == []
    suspend = page.get_by_role("form", name="Suspend")
    suspend.get_by_label("Reason").fill("Posting the same scene forty times")
    suspend.get_by_role("button", name="Suspend").click()
    assert page.get_by_text("Suspended. Their sessions").is_visible()

    theirs = _sign_in_page(browser, live_server, "mara")
    assert theirs.get_by_text("This account is suspended").is_visible()
    assert theirs.get_by_text("Posting the same scene forty times").is_visible()

    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Audit log").click()
    row = page.get_by_role("row").filter(has_text="user.suspend")
    assert row.get_by_text("Posting the same scene forty times").is_visible()
    assert serious_violations(page) == []

    page.go_back()
    page.reload()
    unsuspend = page.get_by_role("form", name="Lift the suspension")
    unsuspend.get_by_label("Reason").fill("Cleaned up after a warning")
    unsuspend.get_by_role("button", name="Unsuspend").click()
    assert page.get_by_text("Suspension lifted").is_visible()
    theirs.get_by_label("Password").fill(PASSWORD)
    theirs.get_by_role("button", name="Sign in").click()
    assert theirs.get_by_text("Signed in as mara.").is_visible()
    theirs.context.close()


def test_topic_created_renamed_with_a_redirect_and_given_a_cover(app, live_server, page, tmp_path):
    make_user("root", role=Role.ADMIN)
    make_topic("noir-city", "Noir City")
    feedback = Feedback(message="The topic page loads slowly.", page_url="/topics/noir-city")
    db.session.add(feedback)
    db.session.commit()
    feedback_id = feedback.id
    picture = tmp_path / "cover.png"
    out = io.BytesIO()
    Image.new("RGB", (1000, 700), (200, 120, 40)).save(out, "PNG")
    picture.write_bytes(out.getvalue())

    sign_in(page, live_server, "root")
    page.goto(live_server + "/admin/topics")
    page.get_by_role("link", name="New topic").click()
    page.get_by_label("Name").fill("Sky Pirates")
    page.get_by_label("Slug").fill("sky-pirates")
    page.get_by_label("Description").fill("Airships and thieves above the clouds.")
    page.get_by_role("button", name="Create topic").click()
    assert page.get_by_text("Topic “Sky Pirates” created.").is_visible()
    assert serious_violations(page) == []

    page.get_by_label("Slug").fill("airship-pirates")
    page.get_by_label("Cover picture").set_input_files(str(picture))
    page.get_by_role("button", name="Save").click()
    assert page.get_by_text("Topic saved.").is_visible()
    assert page.get_by_role("img", name="Current cover of Sky Pirates").is_visible()

    page.goto(live_server + "/topics/sky-pirates")
    page.wait_for_url(re.compile(r"/topics/airship-pirates$"))
    assert page.get_by_role("heading", name="Sky Pirates").is_visible()
    assert page.get_by_role("img", name="Sky Pirates cover").first.evaluate("img => img.naturalWidth") == 960

    page.goto(live_server + "/admin/topics")
    page.get_by_role("button", name="Move Sky Pirates up").click()
    rows = page.get_by_role("row")
    assert "Sky Pirates" in rows.nth(1).inner_text()
    page.get_by_role("button", name="Archive Noir City").click()
    page.goto(live_server + "/topics")
    assert page.get_by_role("link", name="Noir City").count() == 0

    for path in ("/admin/content", "/admin/feedback", f"/admin/feedback/{feedback_id}", "/admin/audit"):
        page.goto(live_server + path)
        assert serious_violations(page) == [], path

    page.set_viewport_size(PHONE)
    for path in ("/admin/", "/admin/topics", "/admin/users", "/admin/content", "/admin/audit"):
        page.goto(live_server + path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
