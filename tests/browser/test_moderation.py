"""Moderation in Chromium at phone width: report a segment, a moderator removes it, both branches play past the slate."""
import os
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from app.audit import history
from app.extensions import db
from app.models import Role, Scene
from app.models.paths import segment_path
from app.story.writing import fork_at
from tests.browser.helpers import wait_until
from tests.browser.test_accessibility_and_phones import PHONE, serious_violations, sign_in
from tests.factories import build_scene, make_user

HLS_BUNDLE = Path(__file__).resolve().parents[2] / "static/vendor/hls.min.js"


def _check_page(page, name: str, found: dict) -> None:
    """axe-core finds nothing serious and the page fits the phone's width."""
    problems = serious_violations(page)
    if page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]:
        problems.append(f"wider than the phone: {page.evaluate('document.documentElement.scrollWidth')} px")
    if problems:
        found[name] = problems


def _plays_past_the_slate(page, base: str, scene_ref: str, slate_end: float) -> None:
    page.goto(f"{base}/scenes/{scene_ref}/watch")
    wait_until(page, "window.storyforgePlayer && document.querySelector('video').readyState >= 1")
    assert page.get_attribute(".player", "data-engine") == "hls.js"
    page.evaluate("v => { v.muted = true; v.playbackRate = 2; return v.play(); }", page.locator("video").element_handle())
    wait_until(page, f"document.querySelector('video').currentTime > {slate_end + 1.0}", timeout=20_000)
    assert page.evaluate("document.querySelector('video').error") is None
    assert page.get_attribute(".player", "data-engine") == "hls.js"  # never fell back to the MP4


def test_report_remove_and_both_branches_play_past_the_slate(app, user, worker, live_server, browser):
    """A reader reports segment 1; a moderator removes it from the queue; the scene and a fork made before play
    past the "removed" slate in hls.js with no media error; its video answers 404; the writer has mail; the
    audit log has the removal. The report form, the queue and the legal pages pass axe-core at 390 px."""
    if not HLS_BUNDLE.exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("static/vendor/hls.min.js is missing: manage.py installs it with npm")
        pytest.skip("hls.js is not installed (npm missing)")
    app.config["GENERATION_IN_FLIGHT_LIMIT"] = 10
    scene_id = build_scene(user, worker, ["Mara waits on the pier.", "A brass lantern flickers."])
    scene = db.session.get(Scene, scene_id)
    first, second = segment_path(scene.head_segment_id)
    fork = fork_at(scene, second, make_user("bob"), "Bob's harbour")
    make_user("rowan")
    make_user("morgan", role=Role.MODERATOR)
    scene_ref, fork_ref, first_ref, video_url = scene.public_id, fork.public_id, first.public_id, f"/media/{first.video_key}"
    found: dict = {}

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page = context.new_page()
    try:
        for path in ("/legal/terms", "/legal/content-policy", "/legal/copyright"):
            page.goto(live_server + path)
            _check_page(page, path, found)
        assert page.request.get(live_server + video_url).status == 200

        sign_in(page, live_server, "rowan")
        page.goto(f"{live_server}/scenes/{scene_ref}")
        page.locator(f"#segment-{first_ref}").get_by_role("link", name="Report this segment").click()
        _check_page(page, "report form", found)
        page.get_by_label("Sexual content").check()
        page.get_by_label("Anything else moderators should know (optional)").fill("Around the second second.")
        page.get_by_role("button", name="Send report").click()
        page.wait_for_url("**/moderation/reports")
        assert "Waiting for a moderator" in page.content()
        _check_page(page, "your reports", found)
        page.get_by_role("button", name="Sign out").click()

        sign_in(page, live_server, "morgan")
        page.goto(live_server + "/admin/moderation")
        _check_page(page, "queue", found)
        page.get_by_label(f"Segment {first_ref}").check()
        page.get_by_label("Action").select_option("remove")
        page.get_by_label("Reason (goes to the audit log and the writer)").fill("Breaks the content policy")
        page.get_by_role("button", name="Apply to selected").click()
        page.wait_for_url("**/admin/moderation")
        assert "1 item decided" in page.content()

        assert page.request.get(live_server + video_url).status == 404
        slate_end = 2.0  # the slate stands first on both branches
        _plays_past_the_slate(page, live_server, scene_ref, slate_end)
        _plays_past_the_slate(page, live_server, fork_ref, slate_end)
    finally:
        context.close()

    entry = history("segment", first_ref)[0]
    assert (entry.action, entry.actor.username, entry.reason) == ("segment.remove", "morgan", "Breaks the content policy")
    mails = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in Path(app.config["OUTBOX_DIR"]).glob("*.eml")]
    assert any(m["To"] == "mara@example.com" and "removed" in m["Subject"] for m in mails)
    assert any(m["To"] == "rowan@example.com" and "report" in m["Subject"] for m in mails)
    assert not found, found
    assert db.session.scalar(select(Scene).where(Scene.public_id == fork_ref)) is not None
