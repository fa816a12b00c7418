"""A topic page with scenes still invites a new one."""
from tests.factories import bare_scene, grow


def test_a_topic_with_scenes_offers_start_a_scene_here(client, user):
    """The topic header links to the new-scene form with the topic chosen, once scenes are listed too."""
    scene = bare_scene(user)
    grow(scene, 1)
    page = client.get(f"/topics/{scene.topic.slug}").get_data(as_text=True)
    assert f'href="/scenes/new?topic={scene.topic.slug}">Start a scene here</a>' in page
