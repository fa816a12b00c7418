"""The director's cut job: queued from the scene page, made on the media queue, replaced when the scene grows."""
import pytest

from app.extensions import db, storage
from app.media.probe import probe
from app.models import DirectorsCut, Scene
from app.story.writing import continue_scene
from tests.conftest import csrf_token_from
from tests.factories import scene_url


def _request(client, scene_id):
    token = csrf_token_from(client.get(scene_url(scene_id)).get_data(as_text=True))
    return client.post(scene_url(scene_id, "/cut"), data={"csrf_token": token})


def test_cut_is_made_by_the_media_job_and_replaced_when_the_scene_grows(client, auth, three_segments, worker):
    """A 3-segment cut lasts title + segments + credits − crossfades, is downloadable, and is remade only after growth."""
    auth.login()
    assert _request(client, three_segments).status_code == 302
    assert client.get(scene_url(three_segments, "/cut", api=True)).json["status"] == "queued"
    worker(("media",))
    state = client.get(scene_url(three_segments, "/cut", api=True)).json
    assert state["status"] == "succeeded", state
    scene = db.session.get(Scene, three_segments)
    cut = db.session.query(DirectorsCut).one()
    durations = [s.duration for s in scene_path(scene)]
    planned = 3.0 + sum(durations) + 4.0 - 0.5 * (len(durations) + 1)
    info = probe(storage().local_path(cut.video_key), exact=True)
    assert info.duration == pytest.approx(planned, abs=0.1) and info.video_codec == "h264"
    download = client.get(scene_url(three_segments, "/cut.mp4?download=1"))
    assert download.status_code == 200 and "directors-cut" in download.headers["Content-Disposition"]
    first_key = cut.video_key

    _request(client, three_segments)  # same head: nothing new to make
    assert db.session.query(DirectorsCut).one().status == "succeeded"

    continue_scene(scene, scene.owner, "Night falls over the harbour.", scene.head_segment_id)
    worker()
    _request(client, three_segments)
    worker(("media",))
    cut = db.session.query(DirectorsCut).one()
    assert cut.status == "succeeded" and cut.video_key != first_key
    assert not storage().exists(first_key)


def scene_path(scene):
    from app.models.paths import segment_path

    return segment_path(scene.head_segment_id)


def test_cut_page_needs_a_signed_in_user(client, three_segments):
    """Anonymous visitors can't queue cuts."""
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))  # readers' scene pages carry none
    resp = client.post(scene_url(three_segments, "/cut"), data={"csrf_token": token})
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
