"""JSON columns are read with orjson, and what only the standard library writes still reads back."""
import math

from app.extensions import db, json_column_value
from app.models import Segment
from tests.factories import bare_scene, grow


def test_json_column_values_read_back_as_the_standard_library_would():
    assert json_column_value('{"after": {"corrected": true, "drift": 1.5}, "ids": [1, 2]}') == {
        "after": {"corrected": True, "drift": 1.5}, "ids": [1, 2]}
    assert math.isnan(json_column_value('{"drift": NaN}')["drift"])  # orjson refuses NaN: the fallback reads it
    assert json_column_value("[123456789012345678901234567890]") == [123456789012345678901234567890]
    assert json_column_value(b'{"seed": 9007199254740993}') == {"seed": 9007199254740993}


def test_a_json_column_round_trips_through_the_database(app, user):
    segment = grow(bare_scene(user), 1)[0]
    segment.continuity = {"after": {"colour_drift": 2.25, "corrected": False}, "note": "Mara’s lamp", "ids": [None]}
    db.session.commit()
    segment_id = segment.id
    db.session.expunge_all()
    read = db.session.get(Segment, segment_id).continuity
    assert read == {"after": {"colour_drift": 2.25, "corrected": False}, "note": "Mara’s lamp", "ids": [None]}
