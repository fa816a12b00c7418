"""Every main page works under the Content-Security-Policy: no inline script or style is blocked, the
continuity check's fetch and the API reference page included (issue 12 point 7)."""
import re

from tests.browser.helpers import watch_for_csp_violations
from tests.factories import PASSWORD, bare_scene, grow


def test_main_pages_report_no_csp_violation(app, user, live_server, page):
    """Signed out and signed in, the pages load their scripts and styles and report no violation."""
    scene = bare_scene(user, title="Harbour")
    grow(scene, 2)
    root = scene.head.parent_id
    violations = watch_for_csp_violations(page)
    pages = ["/", "/topics", f"/scenes/{scene.id}", f"/scenes/{scene.id}/watch", f"/scenes/{scene.id}/bible",
             f"/stories/{root}", "/help", "/api/docs", "/auth/login", "/auth/register", "/feedback"]
    for path in pages:
        response = page.goto(live_server + path)
        assert response.status == 200, path
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgba(0, 0, 0, 0)", path
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email or username").fill("mara")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))
    for path in ("/scenes/new", f"/scenes/{scene.id}", "/account", "/users/mara"):
        page.goto(live_server + path)
    page.goto(live_server + "/scenes/new")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/check")) as checked:
        page.get_by_label("First prompt").fill("Mara waits on the pier.")
    assert checked.value.status == 200
    assert violations == [], violations
