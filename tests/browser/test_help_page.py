"""The help page on a phone-sized screen, in Chromium."""
from tests.browser.helpers import wait_until


def test_help_fits_a_390px_screen(live_server, browser):
    """At 390 px wide nothing scrolls sideways; every picture loads and scales down without being squashed."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/help")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        for img in page.locator("main img").all():
            img.scroll_into_view_if_needed()
            wait_until(page, "i => i.complete", img.element_handle())
            box = img.bounding_box()
            natural_width, natural_height = img.evaluate("i => [i.naturalWidth, i.naturalHeight]")
            assert natural_width > 0 and box["width"] <= 390
            assert abs(box["height"] / box["width"] - natural_height / natural_width) < 0.02  # scaled, not squashed
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
