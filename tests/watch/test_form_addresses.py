"""Addresses that forms post to never answer 405 when opened: they lead back to the form on the scene page."""
from app.extensions import db
from app.models import Scene
from tests.factories import build_scene, scene_url, segment_url


def test_form_addresses_opened_directly_lead_back_to_the_scene(client, auth, user, worker):
    """GET on /continue, /settings and a segment's /fork redirects to the scene at the right anchor."""
    scene = db.session.get(Scene, build_scene(user, worker, ["A lantern glows on the pier."]))
    ref, head = scene.public_id, scene.head.public_id
    assert client.get(scene_url(ref, "/continue")).headers["Location"] == scene_url(ref) + "#continue"
    auth.login()
    assert client.get(scene_url(ref, "/settings")).headers["Location"] == scene_url(ref) + "#settings-heading"
    assert client.get(segment_url(head, "/fork")).headers["Location"] == scene_url(ref) + f"#fork-{head}"
    assert client.get(scene_url("AAAAAAAAAAAA", "/continue")).status_code == 404


def test_an_empty_prompt_comes_back_to_the_form_with_its_reason(client, auth, user, worker):
    """Submitting no prompt redirects to #continue; the reason shows beside the form once."""
    scene = db.session.get(Scene, build_scene(user, worker, ["A lantern glows on the pier."]))
    ref, head = scene.public_id, scene.head.public_id
    auth.login()
    resp = client.post(scene_url(ref, "/continue"), data={"prompt": "  ", "after_segment_id": head,
                                                         "csrf_token": auth.csrf(scene_url(ref))})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("#continue")
    page = client.get(scene_url(ref)).get_data(as_text=True)
    assert "Write a prompt: describe what happens next." in page and 'id="continue-refusal"' in page
