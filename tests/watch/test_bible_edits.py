"""Editing Bible cards and undoing changes: all-or-nothing edits, honest refusals, undo as a change."""
import pytest

from app.continuity.bible import BibleError
from app.continuity.store import bible_at, correct_bible, history
from app.models import Role
from app.story.bible_edits import edit_entity, undo_change, undoable
from tests.factories import bare_scene, grow, make_user


@pytest.fixture
def mara_scene(app, user):
    scene = bare_scene(user)
    grow(scene, 1)
    correct_bible(scene, user, op="create", key="character", value="Mara")
    correct_bible(scene, user, op="set_attribute", entity_id="C1", key="coat", value="red")
    return scene


def test_a_card_edit_records_only_what_changed(mara_scene, user):
    """Renaming, changing one detail, emptying another and leaving the rest alone records exactly those changes."""
    correct_bible(mara_scene, user, op="set_attribute", entity_id="C1", key="hat", value="grey")
    edits = edit_entity(mara_scene, user, "C1", name=" Mara  Vell ", attributes={"coat": "red", "hat": "", "Hair": "black"})
    assert [(e.op, e.key, e.value) for e in edits] == [("rename", None, "Mara Vell"), ("unset_attribute", "hat", None),
                                                     ("set_attribute", "hair", "black")]
    mara = bible_at(mara_scene.head_segment_id).get("C1")
    assert mara.name == "Mara Vell" and {k: a.value for k, a in mara.attributes.items()} == {"coat": "red", "hair": "black"}


def test_a_card_edit_that_does_not_fit_changes_nothing(mara_scene, user):
    """An empty name or a value without its detail's name is refused with a reason, and nothing is recorded."""
    before = len(history(mara_scene.head_segment_id))
    with pytest.raises(BibleError, match="needs a name"):
        edit_entity(mara_scene, user, "C1", name="  ", attributes={"coat": "blue"})
    with pytest.raises(BibleError, match="Name the detail"):
        edit_entity(mara_scene, user, "C1", name="Mara", attributes={"coat": "blue", "": "tall"})
    with pytest.raises(BibleError, match="isn't in this scene's Bible"):
        edit_entity(mara_scene, user, "C9", name="Nobody", attributes={})
    assert len(history(mara_scene.head_segment_id)) == before


def test_undo_puts_back_the_value_before_and_is_itself_undoable(mara_scene, user):
    """Undoing coat → green brings red back as a new change; a superseded change or an entity's creation can't
    be undone, and the undo can be undone in turn."""
    edit_entity(mara_scene, user, "C1", name="Mara", attributes={"coat": "green"})
    rows = history(mara_scene.head_segment_id)
    create, first_red, green = rows[0], rows[1], rows[2]
    assert undoable(rows) == {green.id}
    with pytest.raises(BibleError, match="changed again"):
        undo_change(mara_scene, user, first_red.id)
    with pytest.raises(BibleError, match="can't be undone"):
        undo_change(mara_scene, user, create.id)
    undo_change(mara_scene, make_user("ed", role=Role.MODERATOR), green.id)
    assert bible_at(mara_scene.head_segment_id).get("C1").attributes["coat"].value == "red"
    rows = history(mara_scene.head_segment_id)
    assert rows[-1].author.username == "ed" and rows[-1].id in undoable(rows)
    undo_change(mara_scene, user, rows[-1].id)
    assert bible_at(mara_scene.head_segment_id).get("C1").attributes["coat"].value == "green"
