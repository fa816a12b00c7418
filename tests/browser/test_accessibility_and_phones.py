"""The main pages in Chromium: axe-core finds no serious or critical problem, and phones never scroll sideways."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.extensions import db
from app.models import Scene
from app.models.paths import segment_path
from app.story.writing import fork_at
from tests.factories import PASSWORD, build_scene, make_topic, make_user

AXE = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def story(app, user, worker) -> dict:
    """A public scene of two rendered segments with a Bible, and a fork of it."""
    app.config["GENERATION_IN_FLIGHT_LIMIT"] = 10
    topic = make_topic("harbour-tales", "Harbour Tales").slug
    scene_id = build_scene(user, worker, ["Mara, in a red coat, waits on the pier.", "A brass lantern flickers."])
    scene = db.session.get(Scene, scene_id)
    path = segment_path(scene.head_segment_id)
    fork = fork_at(scene, path[0], make_user("bob"), "Bob's harbour")
    return {"topic": topic, "scene": scene.public_id, "root": path[0].public_id, "fork": fork.public_id}


def sign_in(page, base: str, who: str = "mara") -> None:
    page.goto(base + "/auth/login")
    page.get_by_label("Email or username").fill(who)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)


def main_pages(story: dict) -> dict[str, str]:
    return {
        "home": "/",
        "topic": f"/topics/{story['topic']}",
        "scene": f"/scenes/{story['scene']}",
        "new scene": "/scenes/new",
        "Bible": f"/scenes/{story['scene']}/bible",
        "tree": f"/stories/{story['root']}?from={story['fork']}",
        "help": "/help",
        "feedback": "/feedback",
        "profile": "/users/mara",
    }


def serious_violations(page) -> list[str]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `python3 manage.py test` installs it with npm (package.json)")
    page.evaluate(AXE.read_text())  # not add_script_tag: the site's CSP refuses inline scripts
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_axe_finds_nothing_serious_on_the_main_pages(story, live_server, page):
    """axe-core on home, topic, scene, new-scene, Bible, tree, help, feedback and profile pages."""
    found = {}
    page.goto(live_server + "/")
    if problems := serious_violations(page):
        found["home (signed out)"] = problems
    sign_in(page, live_server)
    for name, path in main_pages(story).items():
        page.goto(live_server + path)
        if problems := serious_violations(page):
            found[name] = problems
    assert not found, found


def test_no_page_scrolls_sideways_on_a_phone(story, browser, live_server):
    """At 390×844 every main page fits the width, controls are at least 44 px tall and the player fits."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page = context.new_page()
    try:
        wide, small = {}, {}
        extra = {"topics": "/topics", "sign in": "/auth/login", "join": "/auth/register", "api docs": "/api/docs",
                 "watch": f"/scenes/{story['scene']}/watch", "fork": f"/scenes/{story['fork']}"}
        for signed_in in (False, True):
            if signed_in:
                sign_in(page, live_server)
                extra = {"account": "/account/settings", **extra}
            for name, path in {**main_pages(story), **extra}.items():
                page.goto(live_server + path)
                if page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]:
                    wide[name] = page.evaluate("document.documentElement.scrollWidth")
                tiny = page.evaluate("""() => [...document.querySelectorAll(
                        'button, .button, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, .nav-links a')]
                    .filter(e => e.offsetParent !== null)
                    .filter(e => e.getBoundingClientRect().height < 44)
                    .map(e => e.outerHTML.slice(0, 80))""")
                if tiny:
                    small[name] = tiny
        assert not wide, f"pages wider than the phone: {wide}"
        assert not small, f"touch targets under 44 px: {small}"
        page.goto(f"{live_server}/scenes/{story['scene']}")
        video = page.locator("video").first.bounding_box()
        assert video and video["x"] >= 0 and video["x"] + video["width"] <= PHONE["width"]
    finally:
        context.close()
