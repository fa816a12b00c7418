"""The story tree drawn in Chromium."""
from tests.story.test_tree import three_branches


def test_tree_renders_in_chromium(app, client, user, worker, live_server, page):
    """The tree page draws every node, one label per branch and working links, matching the JSON."""
    scene_id, path, forks = three_branches(app, user, worker, client)
    data = client.get(f"/api/v1/stories/{path[0]}").json
    page.goto(f"{live_server}/stories/{path[0]}?from={forks[1]}")
    assert page.locator("svg.story-tree .tree-node").count() == len(data["segments"])
    labels = page.locator(".tree-label").all_text_contents()
    assert len(labels) == 3 and any(label.startswith("★ ") for label in labels)
    assert page.locator(".tree-branch-current").get_attribute("data-scene-id") == str(forks[1])
    assert page.locator(".tree-list a").count() == 3
    page.locator(f".tree-branch[data-scene-id='{forks[1]}'] .tree-node").last.click()
    page.wait_for_url(f"**/scenes/{forks[1]}/watch?t=*")
    assert page.locator("video").count() == 1
