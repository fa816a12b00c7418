from app.models.plan import SegmentPlan


def test_a_stored_plan_reads_back_to_the_same_json():
    """What the plan stage stores comes back from SegmentPlan unchanged, in the same key order."""
    stored = {
        "declared": [],
        "check": {"injected": [{"entity_id": "C1"}], "warnings": []},
        "bible": {"location": {"id": "L1", "name": "Harbour"}, "characters": []},
        "linked": ["C1", "L1"],
        "changes": [{"op": "create", "entity_id": "C1"}],
        "expander": "local",
        "expander_fallback": "The language model was unavailable.",
    }
    plan = SegmentPlan.from_json(stored)
    assert plan.to_json() == stored and list(plan.to_json()) == list(stored)
    assert plan.injected == [{"entity_id": "C1"}] and plan.location_id == "L1"


def test_a_segment_not_yet_planned_stores_only_what_its_writer_declared():
    """A waiting segment's plan holds its declarations alone; an empty plan reads as nothing recorded."""
    declared = [{"op": "create", "entity_id": "C1", "key": "character", "value": "Mara"}]
    assert SegmentPlan(declared=declared).to_json() == {"declared": declared}
    empty = SegmentPlan.from_json(None)
    assert empty.to_json() == {} and empty.injected == [] and empty.location_id is None and empty.linked is None
