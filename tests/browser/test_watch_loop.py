"""The watch-and-write loop in Chromium: a new segment plays at once, the player, refusals on a phone."""
from __future__ import annotations

import time

import pytest

from app.extensions import db
from app.models import Scene
from tests.browser.helpers import wait_until
from tests.browser.test_accessibility_and_phones import sign_in
from tests.factories import bare_scene, build_scene, grow, make_topic

VIDEO = "window.storyforgePlayer.video"
PHONE = {"width": 390, "height": 844}


def test_a_new_segment_plays_within_two_seconds_despite_a_warm_cache(app, user, worker, live_server, page):
    """Continue a scene whose playlist the browser already holds (versioned and bare URL, both fetched before):
    within 2 s of the job succeeding the player's duration includes the new segment and it plays from its
    first frame; header, segment list and playlist agree, and the bare URL revalidates to the new version."""
    app.config["GENERATION_IN_FLIGHT_LIMIT"] = 10
    make_topic("harbour-tales", "Harbour Tales")
    scene_id = build_scene(user, worker, ["Mara, in a red coat, waits on the pier."])
    scene = db.session.get(Scene, scene_id)
    ref = scene.public_id
    sign_in(page, live_server)
    page.goto(f"{live_server}/scenes/{ref}")
    wait_until(page, f"window.storyforgePlayer && {VIDEO}.readyState >= 1 && isFinite({VIDEO}.duration)")
    first_duration = page.evaluate(f"{VIDEO}.duration")
    versioned = page.get_attribute(".player", "data-playlist")
    assert f"head={scene.head.public_id}" in versioned
    cached = page.evaluate("async url => { const a = await (await fetch(url)).text();"
                           " const b = await (await fetch(url.split('?')[0])).text(); return [a, b]; }", versioned)
    assert cached[0] == cached[1] and "#EXT-X-DISCONTINUITY" not in cached[0]

    page.get_by_label("What happens next?").fill("A gull lands on Mara's shoulder.")
    page.get_by_role("button", name="Continue this scene").click()
    page.wait_for_url(f"**/scenes/{ref}#generating")
    wait_until(page, "window.storyforgePlayer && document.querySelector('.job')")
    page.evaluate(f"window.starts = []; {VIDEO}.addEventListener('playing', () => starts.push({VIDEO}.currentTime))")
    worker()  # the job runs here and succeeds when this returns
    succeeded = time.monotonic()
    wait_until(page, f"{VIDEO}.duration > {first_duration + 3}", timeout=5_000)
    elapsed = time.monotonic() - succeeded
    assert elapsed < 2, f"the player took {elapsed:.2f} s to pick up the new segment"

    db.session.expire_all()
    scene = db.session.get(Scene, scene_id)
    new_start = float(page.locator(".chapter").nth(1).get_attribute("data-start"))
    assert new_start == first_duration or abs(new_start - first_duration) < 0.1
    assert f"head={scene.head.public_id}" in page.get_attribute(".player", "data-playlist")
    wait_until(page, f"!{VIDEO}.paused && {VIDEO}.currentTime > {new_start + 0.3}", timeout=10_000)
    starts = page.evaluate("window.starts")
    assert starts and new_start - 0.05 <= starts[0] < new_start + 0.5, starts  # from the new segment's first frame
    assert page.locator(".chapter").nth(1).get_attribute("aria-current") == "true"
    assert page.evaluate(f"{VIDEO}.duration") == pytest.approx(scene.total_duration, abs=0.25)
    assert "2 segments" in page.locator(".scene-header").inner_text()
    assert page.locator(".segment-poster").count() == 2
    assert page.get_by_role("button", name="Play your new segment").is_visible()
    assert page.get_by_label("What happens next?").is_visible()  # the form is back for the next writer
    bare = page.evaluate("async url => await (await fetch(url.split('?')[0])).text()", versioned)
    assert bare.count("#EXT-X-DISCONTINUITY") == 1  # the bare URL was revalidated, not served from the cache
    assert page.evaluate(f"{VIDEO}.error") is None


def test_on_a_phone_a_tap_plays_and_a_refused_continuation_shows_its_reason_in_view_with_focus(app, user, worker, browser, live_server):
    """At 390×844 with touch, a tap on the picture plays it; a prompt the Bible refuses comes back with its reason on screen and focused, the
    prompt kept, a flash at the top, and an address that reloads (and a typed /continue that lands on the form)."""
    make_topic("harbour-tales", "Harbour Tales")
    ref = db.session.get(Scene, build_scene(user, worker, ["Mara, in a red coat, waits on the pier."])).public_id
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page = context.new_page()
    try:
        sign_in(page, live_server)
        page.goto(f"{live_server}/scenes/{ref}")
        wait_until(page, f"window.storyforgePlayer && {VIDEO}.readyState >= 1")
        page.locator("video").scroll_into_view_if_needed()
        picture = page.locator("video").bounding_box()
        assert picture["width"] <= PHONE["width"]
        spot = (picture["x"] + 40, picture["y"] + picture["height"] * 0.6)  # the picture, away from the ▶ button
        page.touchscreen.tap(*spot)
        wait_until(page, f"!{VIDEO}.paused && {VIDEO}.currentTime > 0.2", timeout=10_000)
        page.evaluate(f"{VIDEO}.pause()")
        page.get_by_role("button", name="Play Harbour Lights").tap()  # the big ▶ works on touch too
        wait_until(page, f"!{VIDEO}.paused", timeout=10_000)
        page.evaluate(f"{VIDEO}.pause()")
        page.get_by_label("What happens next?").fill("Mara, in a green coat, walks away.")
        page.get_by_role("button", name="Continue this scene").tap()
        page.wait_for_url(f"**/scenes/{ref}#continue")
        wait_until(page, "document.activeElement && document.activeElement.id === 'continue-refusal'")
        box = page.locator("#continue-refusal").bounding_box()
        header = page.locator(".site-header").bounding_box()
        assert box["y"] >= header["y"] + header["height"] and box["y"] + box["height"] <= PHONE["height"], box
        assert "C1 Mara has red coat" in page.locator("#continue-refusal").inner_text()
        assert "wasn't started" in page.locator(".flash-error").inner_text()
        assert page.get_by_label("What happens next?").input_value() == "Mara, in a green coat, walks away."
        assert page.reload().status == 200
        typed = page.goto(f"{live_server}/scenes/{ref}/continue")
        assert typed.status == 200 and page.url.endswith(f"/scenes/{ref}#continue")
    finally:
        context.close()


def _state(page) -> dict:
    return page.evaluate(f"({{t: {VIDEO}.currentTime, paused: {VIDEO}.paused, muted: {VIDEO}.muted, "
                         f"captions: {VIDEO}.textTracks[0].mode, scroll: window.scrollY, "
                         "full: document.fullscreenElement ? document.fullscreenElement.className : null})")


def _record_seeks(page) -> None:
    """Keep every position the page seeks the video to in ``window.seeks``.

    The segment keys seek and then play, so a check of ``currentTime`` afterwards races playback on a slow machine;
    the seek itself is what the key did.
    """
    page.evaluate(f"""(() => {{
        const video = {VIDEO}, time = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'currentTime');
        window.seeks = [];
        Object.defineProperty(video, 'currentTime', {{configurable: true, get() {{ return time.get.call(this); }},
            set(value) {{ window.seeks.push(value); time.set.call(this, value); }}}});
    }})()""")


def _seek_after(page, key: str) -> float | None:
    """Where the video was sought to first when ``key`` was pressed (None if the key did not seek)."""
    page.evaluate("window.seeks.length = 0")
    page.keyboard.press(key)
    return page.evaluate("window.seeks.length ? window.seeks[0] : null")


def test_the_player_answers_the_keys_people_know_and_ends_on_a_card(app, user, worker, live_server, page):
    """Space and k play and pause without scrolling, j/l skip 10 s, arrows 5 s, ,/. move by segment, m mutes,
    c shows captions, f and the Full screen button use the Fullscreen API; none fire while typing a prompt; the
    volume is remembered; the end card offers continuing, forking and the next scene."""
    app.config["GENERATION_IN_FLIGHT_LIMIT"] = 10
    make_topic("harbour-tales", "Harbour Tales")
    ref = db.session.get(Scene, build_scene(user, worker)).public_id
    grow(bare_scene(user, title="Gulls at Dawn"), 1)
    sign_in(page, live_server)
    page.goto(f"{live_server}/scenes/{ref}")
    wait_until(page, f"window.storyforgePlayer && {VIDEO}.readyState >= 1 && {VIDEO}.duration > 14")
    starts = [float(c.get_attribute("data-start")) for c in page.locator(".chapter").all()]
    assert not page.get_by_role("button", name="Play your new segment").is_visible()  # nothing new yet
    page.locator("h1").click()  # focus on the page, not on a control
    page.keyboard.press("k")
    wait_until(page, f"!{VIDEO}.paused")
    page.keyboard.press(" ")
    wait_until(page, f"{VIDEO}.paused")
    assert _state(page)["scroll"] == 0  # Space paused the video instead of scrolling the page
    page.evaluate(f"{VIDEO}.currentTime = 1")
    for key, expected in (("l", 11), ("j", 1), ("ArrowRight", 6), ("ArrowLeft", 1)):
        page.keyboard.press(key)
        assert _state(page)["t"] == pytest.approx(expected, abs=0.3), key
    _record_seeks(page)
    assert _seek_after(page, ".") == pytest.approx(starts[1], abs=0.1)  # the next segment, from its first frame
    wait_until(page, f"{VIDEO}.currentTime >= {starts[1]}")
    assert _seek_after(page, ".") == pytest.approx(starts[2], abs=0.1)
    wait_until(page, f"{VIDEO}.currentTime >= {starts[2]}")
    page.evaluate(f"{VIDEO}.pause()")
    assert _seek_after(page, ",") == pytest.approx(starts[1], abs=0.1)
    wait_until(page, f"{VIDEO}.currentTime < {starts[2]}")
    page.evaluate(f"{VIDEO}.pause()")
    page.keyboard.press("m")
    assert _state(page)["muted"] is True
    page.keyboard.press("c")
    assert _state(page)["captions"] == "showing"
    page.keyboard.press("c")
    assert _state(page)["captions"] == "hidden"
    page.keyboard.press("f")
    wait_until(page, "document.fullscreenElement !== null")
    assert _state(page)["full"] == "player-frame"
    page.keyboard.press("f")
    wait_until(page, "document.fullscreenElement === null")
    page.get_by_role("button", name="Full screen").click()
    wait_until(page, "document.fullscreenElement !== null")
    page.evaluate("document.exitFullscreen()")
    wait_until(page, "document.fullscreenElement === null")

    before = _state(page)
    prompt = page.get_by_label("What happens next?")
    prompt.click()
    page.keyboard.type("k j l m c f, space. ")
    page.keyboard.press("ArrowLeft")
    assert prompt.input_value() == "k j l m c f, space. "
    after = _state(page)
    assert (after["t"], after["paused"], after["muted"], after["captions"], after["full"]) == \
        (before["t"], before["paused"], before["muted"], before["captions"], before["full"])

    page.evaluate(f"{VIDEO}.muted = false; {VIDEO}.volume = 0.3")
    page.reload()
    wait_until(page, f"window.storyforgePlayer && {VIDEO}.readyState >= 1")
    assert page.evaluate(f"{VIDEO}.volume") == pytest.approx(0.3)
    page.evaluate(f"{VIDEO}.muted = true; {VIDEO}.currentTime = {VIDEO}.duration - 0.4; {VIDEO}.play()")
    card = page.locator(".player-endcard")
    card.wait_for(state="visible", timeout=10_000)
    assert card.get_by_role("link", name="Write what happens next").is_visible()
    assert card.get_by_role("link", name="Fork it").is_visible()
    assert card.get_by_role("link", name="Next scene: Gulls at Dawn").is_visible()


TREE_GEOMETRY = """() => {
  const svg = document.querySelector('svg.story-tree');
  const width = parseFloat(svg.getAttribute('width'));
  const box = e => { const r = e.getBBox(); return [r.x, r.y, r.x + r.width, r.y + r.height]; };
  return {width, labels: [...svg.querySelectorAll('.tree-label')].map(e => [e.textContent, box(e)]),
          nodes: [...svg.querySelectorAll('.tree-node circle')].map(box),
          pageWidth: document.documentElement.scrollWidth};
}"""


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_two_forks_with_their_own_titles_read_whole_in_the_tree_and_the_fork_point_plays(
        app, user, worker, browser, live_server, page):
    """Bob forks through the sheet (title edited, no prompt yet) and Carol forks at the same point; the lineage
    credits the right writers; at 1366 and 390 px the tree shows both whole titles with no label clipped or
    overlapping a label or node; a phone starts at the reader's branch; the fork-point node plays from it."""
    from app.story.writing import fork_at
    from tests.factories import make_user

    make_topic("harbour-tales", "Harbour Tales")
    scene_id = build_scene(user, worker, ["Mara, in a red coat, waits on the pier.", "A gull lands beside her."])
    make_user("bob")
    bob_title = "Bob's Harbour at Midnight, where the gulls never sleep and the ferry is late"
    sign_in(page, live_server, "bob")
    page.goto(f"{live_server}/scenes/{db.session.get(Scene, scene_id).public_id}")
    page.locator("summary", has_text="Fork here at segment 2").click()
    sheet = page.locator("details.fork-sheet[open]")
    assert "keeps segments 1–2 and you write segment 3" in sheet.inner_text()
    assert sheet.get_by_label("Title of your fork").input_value() == "Harbour Lights — bob’s fork"
    sheet.get_by_label("Title of your fork").fill(bob_title)
    sheet.get_by_role("button", name="Fork at segment 2").click()
    page.get_by_role("heading", name=bob_title).wait_for()
    lineage = page.locator(".lineage").inner_text()
    assert "Forked by bob from mara’s scene Harbour Lights at segment 2" in lineage, lineage
    bob_ref = page.url.rstrip("/").split("/")[-1]
    scene = db.session.get(Scene, scene_id)
    carol_title = "Carol's Lighthouse Keeper Goes North Before the Storm Breaks"
    fork_at(scene, scene.head, make_user("carol"), carol_title)
    root = scene.head.parent.public_id
    fork_point = scene.head.public_id

    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server}/stories/{root}?from={bob_ref}")
        shape = page.evaluate(TREE_GEOMETRY)
        texts = [text for text, _ in shape["labels"]]
        assert any(bob_title in t for t in texts) and any(carol_title in t for t in texts), texts
        for index, (text, label) in enumerate(shape["labels"]):
            assert label[2] <= shape["width"], f"{text!r} is clipped at {width} px"
            assert not any(_overlap(label, node) for node in shape["nodes"]), text
            assert not any(_overlap(label, other) for _, other in shape["labels"][index + 1:]), text
        assert shape["pageWidth"] <= width  # only the drawing scrolls sideways
        mine = page.locator(f".tree-branch[data-scene-id='{bob_ref}'] .tree-label").bounding_box()
        view = page.locator(".tree-scroll").bounding_box()
        assert view["x"] <= mine["x"] < view["x"] + view["width"], (mine, view)  # starts at the reader's branch

    node = page.locator(f".tree-node[data-segment-id='{fork_point}'] circle")
    node.scroll_into_view_if_needed()
    centre = node.bounding_box()
    page.mouse.click(centre["x"] + centre["width"] / 2, centre["y"] + centre["height"] / 2)
    page.wait_for_url("**/watch?t=*")
    wait_until(page, f"window.storyforgePlayer && !{VIDEO}.paused && {VIDEO}.currentTime > 5.2", timeout=15_000)


def test_the_bible_is_edited_as_cards_and_an_undo_is_in_the_history(app, user, worker, live_server, page):
    """Edit Mara's card (coat red → green, a new detail), add a fact by picking her by name, then undo the coat:
    the card says red again and the history shows the undo as a change of its own, linked to what it undid."""
    from app.audit import history as audit_history

    make_topic("harbour-tales", "Harbour Tales")
    ref = db.session.get(Scene, build_scene(user, worker, ["Mara, in a red coat, waits on the pier."])).public_id
    sign_in(page, live_server)
    page.goto(f"{live_server}/scenes/{ref}/bible")
    card = page.locator("article.bible-entity", has_text="Mara")
    card.locator("summary", has_text="Edit").click()
    assert card.get_by_label("Coat", exact=True).input_value() == "red"
    card.get_by_label("Coat", exact=True).fill("green")
    card.get_by_label("What (coat, hair, eyes …)").fill("hair")
    card.get_by_label("Is", exact=True).fill("black")
    card.get_by_role("button", name="Save Mara").click()
    page.locator(".flash-success", has_text="Saved 2 changes").wait_for()
    card = page.locator("article.bible-entity", has_text="Mara")
    assert "green" in card.locator(".bible-attrs").inner_text() and "black" in card.locator(".bible-attrs").inner_text()

    page.get_by_label("About").select_option(label="Mara (character)")
    page.get_by_label("What is now true").fill("injured")
    page.get_by_role("button", name="Add the fact").click()
    page.locator(".bible-history li", has_text="Mara is now injured").wait_for()

    coat = page.locator(".bible-history li", has_text="Mara: coat is green")
    coat.get_by_role("button", name="Undo this change").click()
    page.locator(".flash-success", has_text="Undone").wait_for()
    card = page.locator("article.bible-entity", has_text="Mara")
    assert "red" in card.locator(".bible-attrs").inner_text() and "green" not in card.locator(".bible-attrs").inner_text()
    undo = page.locator(".bible-history li").last
    assert "Mara: coat is red" in undo.inner_text() and "undo of" in undo.inner_text()
    assert "by mara" in undo.inner_text()
    assert [e.action for e in audit_history("bible_change")] == ["bible.undo"]
