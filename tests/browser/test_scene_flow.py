"""Creating a scene in a real browser and watching its first segment play."""
import time

from tests.browser.helpers import wait_until
from tests.factories import PASSWORD, make_topic


def _sign_in(page, base):
    page.goto(base + "/auth/login")
    page.get_by_label("Email or username").fill("mara")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_create_scene_and_watch_first_segment_play(app, user, live_server, live_worker, page):
    """A new scene's progress updates without a reload and its first segment plays within about 10 s."""
    make_topic("noir-city", "Noir City")
    _sign_in(page, live_server)
    page.get_by_role("link", name="New scene").click()
    page.get_by_label("Title").fill("Rain on Fifth")
    page.get_by_label("Topic").select_option("noir-city")
    page.get_by_label("First prompt").fill("Detective Ray waits under a flickering neon sign.")
    started = time.monotonic()
    page.get_by_role("button", name="Create scene").click()
    assert page.get_by_role("heading", name="Rain on Fifth").is_visible()
    video = page.locator("video").first
    video.wait_for(state="visible", timeout=20_000)
    page.evaluate("document.querySelector('video').muted = true; document.querySelector('video').play()")
    wait_until(page, "document.querySelector('video').currentTime > 0.5", timeout=10_000)
    elapsed = time.monotonic() - started
    assert elapsed < 15, f"first segment took {elapsed:.1f} s to play"
    assert page.evaluate("document.querySelector('video').error") is None
    assert "Detective Ray waits" in page.locator(".segment-prompt").first.inner_text()


def test_contradicting_prompt_shows_the_error_before_submitting(app, user, worker, live_server, page):
    """Typing a prompt that contradicts the Bible into the continue form shows the error inline, before submit."""
    from app.models import Scene
    from tests.factories import build_scene, public_id

    make_topic("noir-city", "Noir City")
    scene_id = public_id(Scene, build_scene(user, worker, [
        "Captain Idris, a wiry man with a shaved head and a brass-buttoned naval coat, steps onto the pier."]))
    _sign_in(page, live_server)
    page.goto(f"{live_server}/scenes/{scene_id}")
    page.get_by_label("What happens next?").fill("Idris buttons his green naval coat.")
    error = page.locator(".continuity-preview .alert-error")
    error.wait_for(timeout=5_000)
    assert "C1 Captain Idris has brass-buttoned naval coat" in error.inner_text()
    assert page.url.endswith(f"/scenes/{scene_id}")  # nothing was submitted
    page.get_by_label("What happens next?").fill("Idris changes into a green naval coat.")
    wait_until(page, "!document.querySelector('.continuity-preview .alert-error')")
    assert "Continuity used" in page.locator(".continuity-preview").inner_text()
