"""Who may change what is decided in the domain, and its refusals answer the same from every view."""
import pytest

from app.auth.accounts import create_api_token
from app.models import Role
from app.story import access, bible_edits, lineage, writing
from tests.factories import bare_scene, grow, make_user, scene_url


def _bearer(user):
    return {"Authorization": f"Bearer {create_api_token(user, 't').raw}"}


def test_only_the_owner_or_a_moderator_corrects_a_bible(app, user):
    """A stranger's correction is refused by the domain itself; the owner's and a moderator's are recorded."""
    scene = bare_scene(user)
    grow(scene, 1)
    with pytest.raises(access.Forbidden, match="owner or a moderator"):
        bible_edits.correct_bible(scene, make_user("bob"), op="create", key="character", value="Mara")
    bible_edits.correct_bible(scene, user, op="create", key="character", value="Mara")
    moderator = make_user("mo", role=Role.MODERATOR)
    assert bible_edits.correct_bible(scene, moderator, op="set_attribute", entity_id="C1", key="coat",
                                     value="red").author == "mo"


def test_a_fork_needs_the_segment_on_the_branch_and_a_private_scene_forks_only_for_its_owner(app, user):
    """Forking at a segment of another scene, or a private scene one doesn't own (even as a moderator), answers
    as missing; the owner forks their private scene into a private fork."""
    scene, other = bare_scene(user, visibility="private"), bare_scene(user, title="Elsewhere")
    head, elsewhere = grow(scene, 2)[-1], grow(other, 1)[0]
    with pytest.raises(access.NotFound):
        writing.fork_at(scene, elsewhere, user)
    with pytest.raises(access.NotFound):
        writing.fork_at(scene, head, make_user("mo", role=Role.MODERATOR))
    assert writing.fork_at(scene, head, user).visibility == "private"


def test_merging_and_discarding_refuse_strangers(app, user):
    """Only the parent's owner (or a moderator) merges, only the writer or owner discards: Forbidden otherwise."""
    scene = bare_scene(user)
    head = grow(scene, 1)[0]
    fork = writing.fork_at(scene, head, user, "Mine too")
    grow(fork, 1)
    stranger = make_user("bob")
    with pytest.raises(access.Forbidden):
        lineage.merge_fork(scene, fork, stranger)
    with pytest.raises(access.Forbidden):
        writing.discard_segment(head, stranger)


def test_refusals_answer_as_json_for_the_api_and_as_pages_for_people(app, client, user):
    """The same domain refusal is a JSON error with its reason on the API and the designed page on the site."""
    scene = bare_scene(user)
    grow(scene, 1)
    stranger = _bearer(make_user("bob"))
    refused = client.post(scene_url(scene, "/bible/changes", api=True), headers=stranger,
                          json={"op": "create", "key": "character", "value": "Mara"})
    assert refused.status_code == 403
    assert refused.json["error"] == {"code": "forbidden",
                                     "message": "Only the scene's owner or a moderator can correct its Bible."}
    missing = client.get("/api/v1/scenes/nosuchscene")
    assert missing.status_code == 404 and missing.json["error"]["message"] == "There is no scene with that id."
    page = client.get("/scenes/nosuchscene")
    assert page.status_code == 404 and "or it is private" in page.get_data(as_text=True)
