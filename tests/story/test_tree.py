"""The story tree: JSON and drawing agree on branches, nodes and labels."""
from app.auth.accounts import create_api_token
from app.extensions import db
from app.models import Scene
from app.story.paths import segment_path
from tests.factories import build_scene, make_user


def three_branches(app, user, worker, client):
    app.config["GENERATION_IN_FLIGHT_LIMIT"] = 10
    token = {"Authorization": f"Bearer {create_api_token(make_user('forker'), 't').raw}"}
    scene_id = build_scene(user, worker, ["Mara waits on the pier.", "A gull lands.", "The fog lifts."])
    path = [s.id for s in segment_path(db.session.get(Scene, scene_id).head_segment_id)]
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
