"""A segment moderation took out of view stays out of view everywhere it could show: API reads, listing cards,
the player's poster, Bible stills, versioned playlists and director's cuts."""
import re

import pytest
from sqlalchemy import select

from app.auth.accounts import create_api_token
from app.extensions import db
from app.models import Scene, Segment
from app.moderation import takedown
from app.story.cuts import plan_for
from tests.factories import build_scene, make_user
from tests.moderation.helpers import person

PROMPTS = ["Mara waits on the pier.", "A lantern flickers over the water."]


@pytest.fixture
def harbour(app, user, worker):
    """A public two-segment scene by mara: (scene public id, [first, second] segment public ids)."""
    scene_id = build_scene(user, worker, prompts=PROMPTS)
    segments = db.session.scalars(select(Segment).where(Segment.scene_id == scene_id).order_by(Segment.position))
    return db.session.get(Scene, scene_id).public_id, [s.public_id for s in segments]


def _segment(ref: str) -> Segment:
    return db.session.scalar(select(Segment).where(Segment.public_id == ref))


def _hide(ref: str) -> None:
    takedown.hide(_segment(ref))
    db.session.commit()


def _bearer(user) -> dict:
    return {"Authorization": f"Bearer {create_api_token(user, 'tests').raw}"}


def _api_prompts(client, scene_ref, headers=None) -> list:
    answer = client.get(f"/api/v1/scenes/{scene_ref}", headers=headers or {})
    assert answer.status_code == 200
    return [(s["prompt"], s["expanded_prompt"] is not None) for s in answer.get_json()["scene"]["segments"]]


def test_the_api_reads_a_withheld_prompt_only_to_its_writer_and_moderators(client, harbour, moderator):
    """The scene page never showed a hidden segment's prompt; the API answered it to anyone. Now it answers
    null (prompt and expanded prompt) to everyone but the writer and moderators, whoever asked first."""
    scene_ref, (first, second) = harbour
    _hide(second)
    writer = _api_prompts(client, scene_ref, _bearer(person("mara")))
    assert writer == [(PROMPTS[0], True), (PROMPTS[1], True)]
    assert _api_prompts(client, scene_ref, _bearer(person("morgan"))) == writer
    for headers in (None, _bearer(make_user("eve"))):
        assert _api_prompts(client, scene_ref, headers) == [(PROMPTS[0], True), (None, False)]
    _api_prompts(client, scene_ref)
    page = client.get(f"/scenes/{scene_ref}").get_data(as_text=True)
    assert PROMPTS[1] not in page and PROMPTS[0] in page


def test_a_versioned_playlist_kept_before_a_removal_plays_the_slate_after_it(client, harbour, moderator):
    """``?head=<segment>`` versions are cached for good; removing a segment they play drops them too."""
    scene_ref, (first, second) = harbour
    versions = [f"/scenes/{scene_ref}/playlist.m3u8?head={ref}" for ref in (first, second)]
    for url in versions:
        assert f"/segments/{first}/" in client.get(url).get_data(as_text=True)  # kept now
    takedown.remove(_segment(first), "Copies a film's opening shot")
    db.session.commit()
    for url in versions:
        text = client.get(url).get_data(as_text=True)
        assert f"/segments/{first}/" not in text and "/slates/removed-" in text, text


def _card(html: str, scene_ref: str) -> str:
    match = re.search(rf'<li class="card">(?:(?!</li>).)*?/scenes/{scene_ref}"(?:(?!</li>).)*</li>', html, re.S)
    assert match, f"no card for {scene_ref}"
    return match.group(0)


def test_a_listing_card_shows_the_slate_once_its_newest_segment_is_withheld(client, harbour):
    """Cards show the newest segment's still and its prompt as alt text: kept listings are dropped when moderation
    takes that segment out of view, and the card shows the slate's poster and no prompt."""
    scene_ref, (first, second) = harbour
    head = _segment(second)
    thumb = head.thumb_key
    scene = db.session.scalar(select(Scene).where(Scene.public_id == scene_ref))
    pages = ("/", f"/topics/{scene.topic.slug}")
    for url in pages:  # kept for readers now
        assert thumb in _card(client.get(url).get_data(as_text=True), scene_ref)
    _hide(second)
    for url in pages:
        card = _card(client.get(url).get_data(as_text=True), scene_ref)
        assert thumb not in card and "/slates/unavailable-" in card, card
        assert "lantern" not in card and "taken out of view" in card


def test_the_player_poster_and_bible_stills_leave_out_a_withheld_segment(client, harbour):
    """The first segment's poster is the player's poster and Mara's reference still; hidden, it is neither."""
    scene_ref, (first, second) = harbour
    poster = _segment(first).poster_key
    assert poster in client.get(f"/scenes/{scene_ref}").get_data(as_text=True)
    assert poster in client.get(f"/scenes/{scene_ref}/bible").get_data(as_text=True)
    _hide(first)
    page = client.get(f"/scenes/{scene_ref}").get_data(as_text=True)
    assert 'class="player-video"' in page and poster not in page
    bible = client.get(f"/scenes/{scene_ref}/bible").get_data(as_text=True)
    assert "Mara" in bible and poster not in bible


def test_a_directors_cut_leaves_out_withheld_segments(app, harbour, tmp_path):
    """A cut is one film anyone may watch: it plays only segments everyone may see, with their prompts."""
    scene_ref, (first, second) = harbour
    _hide(first)
    scene = db.session.scalar(select(Scene).where(Scene.public_id == scene_ref))
    plan = plan_for(scene, scene.head_segment_id, tmp_path)
    assert [clip.caption for clip in plan.clips] == [PROMPTS[1]]
