"""The story tree: JSON and drawing agree on branches, nodes and labels."""
from app.auth.accounts import create_api_token
from app.extensions import db
from app.models import Scene, Segment
from app.models.paths import segment_path
from tests.factories import build_scene, make_user, tree_url


def three_branches(app, user, worker, client):
    """An original of three segments, forked at segments 1 and 2: the public ids of the original, its path
    and the two forks."""
    app.config["GENERATION_IN_FLIGHT_LIMIT"] = 10
    token = {"Authorization": f"Bearer {create_api_token(make_user('forker'), 't').raw}"}
    scene = db.session.get(Scene, build_scene(user, worker, ["Mara waits on the pier.", "A gull lands.", "The fog lifts."]))
    scene_id, path = scene.public_id, [s.public_id for s in segment_path(scene.head_segment_id)]
    forks = []
    for at, prompt in ((path[0], "Mara runs home instead."), (path[1], "The gull steals her bread.")):
        fork = client.post(f"/api/v1/scenes/{scene_id}/forks", json={"segment_id": at, "title": prompt[:20]},
                           headers=token).json["scene"]["id"]
        client.post(f"/api/v1/scenes/{fork}/segments", json={"prompt": prompt, "after_segment_id": at}, headers=token)
        worker()
        forks.append(fork)
    return scene_id, path, forks


def test_tree_json_liststhree_branches(app, client, user, worker):
    """GET /api/v1/stories/<root> lists every branch with its segments; the original is marked."""
    scene_id, path, forks = three_branches(app, user, worker, client)
    data = client.get(f"/api/v1/stories/{path[0]}").json
    branches = {b["scene_id"]: b for b in data["branches"]}
    assert set(branches) == {scene_id, *forks}
    assert branches[scene_id]["original"] and branches[scene_id]["segment_ids"] == path
    assert branches[forks[0]]["segment_ids"][:1] == path[:1] and len(branches[forks[0]]["segment_ids"]) == 2
    assert branches[forks[1]]["segment_ids"][:2] == path[:2] and len(branches[forks[1]]["segment_ids"]) == 3
    assert len(data["segments"]) == 5
    assert client.get("/api/v1/stories/999999").status_code == 404
    assert client.get("/api/v1/stories/NoSuchStory1").status_code == 404


def hundred_branches(user) -> tuple[int, int]:
    """An original of 6 segments and 99 forks at varied points, some with no segment of their own yet."""
    from app.extensions import db as _db
    from app.models import Scene as _Scene
    from tests.factories import bare_scene, grow

    original = bare_scene(user, title="The Long Voyage")
    path = grow(original, 6)
    forkers = [make_user(f"writer{i}") for i in range(5)]
    for i in range(99):
        at = path[i % 6]
        fork = _Scene(title=f"Voyage variant {i}", topic_id=original.topic_id, owner=forkers[i % 5],
                      head_segment_id=at.id, forked_from_segment_id=at.id, segment_count=at.position)
        _db.session.add(fork)
        _db.session.commit()
        grow(fork, i % 4, author=forkers[i % 5])
    return original.id, path[0].id


def test_a_hundred_branches_each_get_a_lane_and_a_label(app, client, user):
    """With 100 branches every label sits on its own lane, so none overlaps another."""
    from app.story.tree import LANE_HEIGHT, story_tree

    original_id, root = hundred_branches(user)
    tree = story_tree(db.session.get(Segment, root), None)
    assert len(tree.branches) == 100 and tree.branches[0].scene.id == original_id
    labels = [tree.label_anchor(b)[0] for b in tree.branches]
    assert len({y for _, y in labels}) == 100
    assert all(b.lane * LANE_HEIGHT < tree.height for b in tree.branches)
    data = client.get(tree_url(root, api=True)).json
    assert len(data["branches"]) == 100
    assert len(data["segments"]) == 6 + sum(i % 4 for i in range(99))
    html = client.get(tree_url(root)).get_data(as_text=True)
    assert html.count('class="tree-label"') == 100 and html.count("tree-edge-pending") == 25
