"""Text normalisation: one set of rules for titles, names and prompts, in forms and the API (issue 12 point 9)."""
import unicodedata

import pytest

from app.extensions import db
from app.models import Scene
from app.text import TextRefused, clean_text
from tests.conftest import csrf_token_from
from tests.factories import make_scene, make_topic

DECOMPOSED = "Ame\u0301lie"  # "Amélie" typed as e + combining acute


def test_clean_text_normalises_and_refuses():
    """NFC, collapsed whitespace, invisible-only values empty; controls, bidi controls and non-strings refused."""
    assert clean_text(f"  {DECOMPOSED}\n\tand  the sea ") == unicodedata.normalize("NFC", "Amélie and the sea")
    assert clean_text("\u200b\u200d \ufeff") == ""
    assert clean_text("\u200bNight Train\u200b") == "Night Train"
    assert clean_text("👩\u200d👧 family") == "👩\u200d👧 family"  # joiners inside visible text stay
    for bad in ("Night\x00Train", "bell\x07", "esc\x1b[31m", "c1\x85"):
        with pytest.raises(TextRefused, match="control characters"):
            clean_text(bad)
    for bad in ("\u202eniarT thgiN", "a\u2066b\u2069", "x\u202ay"):
        with pytest.raises(TextRefused, match="reading direction"):
            clean_text(bad)
    for bad in ({"a": 1}, ["x"], 3, 1.5, True):
        with pytest.raises(TextRefused) as refused:
            clean_text(bad)
        assert refused.value.code == "invalid_type"


def test_scene_titles_and_prompts_are_stored_normalised(app, user):
    """The domain stores NFC text and refuses NUL, direction overrides and invisible-only titles."""
    make_topic()
    started = make_scene(user, title=f"{DECOMPOSED}’s   train", prompt=f"{DECOMPOSED} boards\nthe train.")
    scene = db.session.get(Scene, started.scene.id)
    assert scene.title == "Amélie’s train" and unicodedata.is_normalized("NFC", scene.title)
    assert started.segment.prompt == "Amélie boards the train."
    from app.story.writing import StoryError

    for title in ("\u200b\u200b", "Night\x00Train", "\u202eniarT thgiN"):
        with pytest.raises(StoryError) as refused:
            make_scene(user, title=title)
        assert refused.value.field == "title"
    assert db.session.query(Scene).count() == 1


def test_new_scene_form_refuses_a_bidi_title_and_keeps_the_input(client, auth, user):
    """The form says what is wrong with a title carrying U+202E and creates nothing."""
    make_topic()
    auth.login()
    page = client.get("/scenes/new").get_data(as_text=True)
    resp = client.post("/scenes/new", data={"title": "gnp.exe\u202e", "topic": "space-opera", "visibility": "public",
                                            "prompt": "Mara waits.", "csrf_token": csrf_token_from(page)})
    assert resp.status_code == 422 and "reading direction" in resp.get_data(as_text=True)
    assert db.session.query(Scene).count() == 0


def test_api_token_names_are_normalised(client, auth, user):
    """A token name with control characters is refused by the account form."""
    auth.login()
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    resp = client.post("/account/tokens", data={"tok-name": "lap\x00top", "csrf_token": token})
    assert resp.status_code == 422 and "control characters" in resp.get_data(as_text=True)


def test_declared_entities_are_normalised_too(app, user):
    """Names and attributes declared with a new scene follow the same rules (from the form or the API)."""
    from app.story.writing import StoryError, create_scene

    make_topic()
    with pytest.raises(StoryError) as refused:
        create_scene(user, title="Pier", topic_slug="space-opera", prompt="Mara waits.",
                     declared=[{"kind": "character", "name": "Ma\u202era", "attributes": {}}])
    assert refused.value.field == "characters" and "reading direction" in refused.value.message
    started = create_scene(user, title="Pier", topic_slug="space-opera", prompt="Mara waits.",
                           declared=[{"kind": "character", "name": f" {DECOMPOSED} ", "attributes": {"coat ": " red"}}])
    declared = started.segment.plan["declared"]
    assert declared[0]["value"] == "Amélie" and {"key": "coat", "value": "red"}.items() <= declared[1].items()
