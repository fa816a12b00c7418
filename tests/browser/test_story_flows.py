"""Core flows in Chromium: keyboard-only creation, continuing a scene, forking and seeing the tree."""
from __future__ import annotations

from app.extensions import db
from app.models import Scene
from tests.browser.helpers import wait_until
from tests.browser.test_accessibility_and_phones import sign_in
from tests.factories import PASSWORD, build_scene, make_topic, make_user, public_id


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches ``selector`` (as a keyboard user would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_create_and_continue_a_scene_with_the_keyboard_alone(app, user, live_server, page):
    """Sign in, open the new-scene form, fill it, submit, then write the next prompt — no mouse."""
    make_topic("harbour-tales", "Harbour Tales")
    make_topic("noir-city", "Noir City")
    page.goto(live_server + "/auth/login")
    tab_to(page, "input[name=identifier]")
    page.keyboard.type("mara")
    tab_to(page, "input[name=password]")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/auth/login" not in url)
    tab_to(page, "a[href='/scenes/new']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/scenes/new")
    tab_to(page, "input[name=title]")
    page.keyboard.type("Keys at Midnight")
    tab_to(page, "select[name=topic]")
    page.keyboard.press("ArrowDown")  # the second topic
    tab_to(page, "textarea[name=prompt]")
    page.keyboard.type("Ray, in a grey hat, finds a key under the streetlamp.")
    tab_to(page, "[type=submit][value='Create scene']")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Keys at Midnight").wait_for()
    scene = db.session.scalars(db.select(Scene).where(Scene.title == "Keys at Midnight")).one()
    assert scene.topic.slug == "noir-city"
    assert "Ray, in a grey hat" in page.locator(".segment-prompt").first.inner_text()


def test_continue_a_scene_and_watch_the_new_segment_arrive(app, user, worker, live_server, live_worker, page):
    """The continue form queues the next segment; its progress moves and it plays without a reload."""
    app.config["GENERATION_IN_FLIGHT_LIMIT"] = 10
    make_topic("harbour-tales", "Harbour Tales")
    scene_id = build_scene(user, worker, ["Mara, in a red coat, waits on the pier."])
    sign_in(page, live_server)
    page.goto(f"{live_server}/scenes/{public_id(Scene, scene_id)}")
    page.get_by_label("What happens next?").fill("A gull lands on Mara's shoulder.")
    page.get_by_role("button", name="Continue this scene").click()
    page.wait_for_url(f"**/scenes/{public_id(Scene, scene_id)}#generating")
    assert page.locator(".flash-success").is_visible()
    assert page.locator(".segment-placeholder, .segment-poster").count() == 2
    wait_until(page, "document.querySelectorAll('.segment-poster').length === 2", timeout=60_000)
    assert "A gull lands" in page.locator(".segment-prompt").nth(1).inner_text()
    assert db.session.get(Scene, scene_id).segment_count == 2


def test_fork_here_then_see_the_tree(app, user, worker, live_server, page):
    """“Fork here” on segment 1 makes Bob's scene; its page says where it came from and its tree shows both."""
    app.config["GENERATION_IN_FLIGHT_LIMIT"] = 10
    make_topic("harbour-tales", "Harbour Tales")
    scene_id = build_scene(user, worker, ["Mara waits on the pier.", "A gull lands beside her."])
    make_user("bob")
    sign_in(page, live_server, "bob")
    page.goto(f"{live_server}/scenes/{public_id(Scene, scene_id)}")
    page.locator("summary", has_text="Fork here at segment 1").click()
    page.get_by_role("button", name="Fork at segment 1").click()
    page.locator(".lineage").wait_for()
    assert "Forked by bob from mara’s scene Harbour Lights at segment 1" in page.locator(".lineage").inner_text()
    fork_id = page.url.rstrip("/").split("/")[-1]
    page.get_by_role("link", name="Story tree").click()
    page.wait_for_url("**/stories/**")
    assert page.locator(".tree-label").count() == 2
    assert page.locator(".tree-branch-current").get_attribute("data-scene-id") == fork_id
    assert page.locator(".tree-list a[aria-current=true]").inner_text() == "Harbour Lights — bob’s fork"
