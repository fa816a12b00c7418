"""The story tree drawn in Chromium."""
import itertools

from tests.factories import tree_url
from tests.story.test_tree import three_branches


def test_tree_renders_in_chromium(app, client, user, worker, live_server, page):
    """The tree page draws every node, one label per branch and working links, matching the JSON."""
    scene_id, path, forks = three_branches(app, user, worker, client)
    data = client.get(f"/api/v1/stories/{path[0]}").json
    page.goto(f"{live_server}/stories/{path[0]}?from={forks[1]}")
    assert page.locator("svg.story-tree .tree-node").count() == len(data["segments"])
    labels = page.locator(".tree-label").all_text_contents()
    assert len(labels) == 3 and any(label.startswith("★ ") for label in labels)
    assert page.locator(".tree-branch-current").get_attribute("data-scene-id") == forks[1]
    assert page.locator(".tree-list a").count() == 3
    page.locator(f".tree-branch[data-scene-id='{forks[1]}'] .tree-node").last.click()
    page.wait_for_url(f"**/scenes/{forks[1]}/watch?t=*")
    assert page.locator("video").count() == 1


def test_a_hundred_branch_tree_stays_readable(app, user, live_server, page):
    """100 branches: every label drawn, no two labels overlap, and only the drawing scrolls sideways."""
    from tests.story.test_tree import hundred_branches

    original_id, root = hundred_branches(user)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server}{tree_url(root, came_from=original_id + 50)}")
    boxes = page.eval_on_selector_all(".tree-label", "els => els.map(e => { const r = e.getBBox(); "
                                      "return [r.x, r.y, r.x + r.width, r.y + r.height]; })")
    assert len(boxes) == 100
    boxes.sort(key=lambda b: b[1])
    for upper, lower in itertools.pairwise(boxes):
        assert upper[3] <= lower[1] or upper[2] <= lower[0] or lower[2] <= upper[0], (upper, lower)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator(".tree-branch-current").count() == 1
    assert page.locator(".tree-list a").count() == 100
