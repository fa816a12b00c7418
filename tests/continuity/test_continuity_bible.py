"""The Bible fold along a path, forks, stable descriptors, messages, the rule registry and the budget."""
from __future__ import annotations

import json

import pytest

from app.continuity import (
    RULES,
    Bible,
    BibleError,
    Change,
    InjectedEntry,
    Issue,
    Rule,
    apply,
    check_prompt,
    compose,
    continuity_note,
    descriptor,
    fold,
    render_injected,
    rule,
)
from tests.continuity.world import WORLD

#: a path 1 → 2 → 3 → 4 → 5 where segment 5 dyes Mara's hair blonde
PATH = {
    1: [Change.create(1, "C1", "character", "Mara"), Change.set_attribute(1, "C1", "hair", "red")],
    2: [Change.set_attribute(2, "C1", "coat", "blue")],
    3: [Change.create(3, "L1", "location", "the Old Mill")],
    4: [Change.add_fact(4, "C1", "injured")],
    5: [Change.set_attribute(5, "C1", "hair", "blonde", author="ada")],
}


def bible_up_to(segment: int) -> Bible:
    return fold(change for number in range(1, segment + 1) for change in PATH[number])


def test_fork_sees_exactly_its_fork_point() -> None:
    """Folding the path up to 3 does not see segment 5's blonde hair; up to 5 does, with its segment."""
    at_3, at_5 = bible_up_to(3), bible_up_to(5)

    assert at_3.entities["C1"].attributes["hair"].value == "red"
    assert at_3.entities["C1"].attributes["hair"].since_segment == 1
    assert "injured" not in at_3.entities["C1"].facts
    assert at_5.entities["C1"].attributes["hair"].value == "blonde"
    assert at_5.entities["C1"].attributes["hair"].since_segment == 5
    assert at_5.entities["C1"].last_seen == 5


def test_incremental_apply_equals_fold() -> None:
    """bible_at(segment) = apply(bible_at(parent), changes_of(segment)) gives the same Bible as a full fold."""
    cached = fold([])
    for number in range(1, 6):
        cached = apply(cached, PATH[number])
        assert cached == bible_up_to(number)


def test_fold_is_deterministic_and_pure() -> None:
    """The same changes give equal Bibles, and applying changes never alters the Bible it started from."""
    at_3 = bible_up_to(3)
    snapshot = descriptor(at_3.entities["C1"])
    apply(at_3, PATH[4] + PATH[5])

    assert fold(WORLD) == fold(WORLD)
    assert descriptor(at_3.entities["C1"]) == snapshot == "C1 Mara: red hair, blue coat"


def test_fork_never_reuses_an_id_from_a_sibling_branch() -> None:
    """A fork at 3 whose sibling branch created C2 gives its own new character C3, given the tree's used ids."""
    sibling = apply(bible_up_to(3), [Change.create(6, "C2", "character", "Ada")])
    fork = apply(bible_up_to(3), PATH[4])
    used_ids = set(sibling.entities) | set(fork.entities)

    assert fork.next_id("character") == "C2"
    assert fork.next_id("character", used_ids) == "C3"
    result = check_prompt(fork, "Mara meets Captain Reyes.", used_ids=used_ids)
    assert [(n.id, n.name) for n in result.new_entities] == [("C3", "Captain Reyes")]


def test_descriptors_are_word_for_word_stable() -> None:
    """Two checks of the same prompt on separately folded Bibles inject identical lines."""
    first = check_prompt(fold(WORLD), "Tom hands Mara's lantern to James.", previous_entities=("S1", "L1"))
    second = check_prompt(fold(WORLD), "Tom hands Mara's lantern to James.", previous_entities=("S1", "L1"))

    assert first.lines == second.lines == (
        "S1 Noir: black and white",
        "L1 the Old Mill",
        "C2 Old Tom",
        "C1 Mara: red hair, blue coat",
        "P1 lantern: green",
        "C3 James",
    )


def test_attributes_keep_the_order_they_were_first_established() -> None:
    """A new value keeps its key's place; facts follow attributes; an ended fact disappears."""
    bible = fold(PATH[1] + PATH[2] + PATH[4] + [
        Change.set_attribute(6, "C1", "hair", "grey"),
        Change.add_fact(6, "C1", "at L2"),
        Change.end_fact(7, "C1", "injured"),
    ])

    assert descriptor(bible.entities["C1"]) == "C1 Mara: grey hair, blue coat, at L2"
    assert bible.entities["C1"].facts["injured"].since_segment == 4
    assert bible.entities["C1"].facts["injured"].ended_segment == 7


def test_rename_and_alias() -> None:
    """A rename keeps the old name as an alias; an alias already known is not added twice."""
    bible = fold([*WORLD, Change.rename(4, "C3", "Jim"), Change.add_alias(4, "C3", "james")])

    assert bible.entities["C3"].name == "Jim"
    assert bible.entities["C3"].aliases == ("James",)


@pytest.mark.parametrize(
    "changes, complaint",
    [
        ([Change.create(1, "C1", "character", "Mara"), Change.create(2, "C1", "character", "Ada")], "never reused"),
        ([Change.set_attribute(1, "C7", "hair", "red")], "not in the Bible"),
        ([Change.create(1, "C1", "character", "Mara"), Change.end_fact(2, "C1", "dead")], "no current fact"),
        ([Change.create(1, "C1", "character", "Mara"), Change.unset_attribute(2, "C1", "hat")], "no attribute"),
    ],
    ids=["duplicate_id", "unknown_entity", "end_missing_fact", "unset_missing_attribute"],
)
def test_fold_refuses_changes_that_do_not_fit(changes: list[Change], complaint: str) -> None:
    """A change that does not fit the path raises a BibleError that says why."""
    with pytest.raises(BibleError, match=complaint):
        fold(changes)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Change(1, "C1", "explode"),
        lambda: Change.create(1, "L1", "character", "Mara"),
        lambda: Change.set_attribute(1, "X1", "hair", "red"),
        lambda: Change(1, "C1", "set_attribute", "hair", None),
    ],
    ids=["unknown_op", "kind_prefix_mismatch", "bad_id", "missing_value"],
)
def test_change_validates_itself(make) -> None:
    """A malformed change is refused when it is made, before it can be stored."""
    with pytest.raises(BibleError):
        make()


def test_contradiction_message_names_entity_fact_segment_and_fix() -> None:
    """The error says who, what was established, where, what the prompt says, and how to proceed."""
    issue = check_prompt(fold(WORLD), "Blonde Mara walks in.").errors[0]

    assert issue.message == (
        "C1 Mara has red hair since segment 1; this prompt says blonde hair (“Blonde Mara”). "
        "Reword it, or state the change (e.g. “Mara dyes their hair blonde”)."
    )
    assert (issue.rule, issue.severity, issue.entity_id, issue.entity_name) == (
        "attribute_contradiction", "error", "C1", "Mara")
    assert (issue.fact, issue.since_segment, issue.said) == ("hair: red", 1, "Blonde Mara")


def test_suggested_change_is_accepted() -> None:
    """Following the message's own suggestion clears the error and proposes the change."""
    result = check_prompt(fold(WORLD), "Mara dyes their hair blonde.")

    assert result.ok
    assert "C1 Mara: blonde hair, blue coat" in result.lines


def test_dead_character_message() -> None:
    """The dead-or-gone error names the fact, the segment it began, and both ways forward."""
    bible = fold([*WORLD, Change.add_fact(3, "C2", "dead")])
    issue = check_prompt(bible, "Old Tom opens the door.").errors[0]

    assert issue.message == (
        "C2 Old Tom is dead (since segment 3), but this prompt has Old Tom act (“Old Tom opens the door”). "
        "Reword it so Old Tom is only remembered (e.g. “The others remember Old Tom”), "
        "or state the change (e.g. “Old Tom returns”)."
    )
    assert check_prompt(bible, "The others remember Old Tom.").ok
    assert check_prompt(bible, "Old Tom returns.").ok


def test_location_and_style_messages() -> None:
    """Warnings name the previous location and segment, and the scene's style, with a way forward."""
    result = check_prompt(fold(WORLD), "Mara waits at the Harbor in colour.", parent_segment_id=3,
                          previous_entities=("S1", "L1"))
    jump, style = result.warnings

    assert result.ok
    assert jump.message == (
        "This prompt moves from L1 the Old Mill (where segment 3 took place) to L2 the Harbor with no transition "
        "(“Harbor”). Add a transition (e.g. “Mara walks to the Harbor” or “Later, at the Harbor”), "
        "or keep the scene at Old Mill."
    )
    assert style.message == (
        "The scene's style is S1 Noir (black and white) since segment 1; this prompt asks for “in colour”. "
        "Remove those words from the prompt, or change the scene's style first."
    )
    assert check_prompt(fold(WORLD), "Mara walks to the Harbor.", previous_entities=("S1", "L1")).warnings == ()


def test_unknown_id_and_ambiguity_messages() -> None:
    """An unknown id lists the ids that do exist; an ambiguous alias lists its candidates."""
    bible = fold([*WORLD, Change.create(3, "C4", "character", "Tom Reyes"), Change.add_alias(3, "C4", "Tom")])
    result = check_prompt(bible, "C7 and Tom wait.")

    assert "Use one of the existing ids (C1 Mara, C2 Old Tom, C3 James, C4 Tom Reyes)" in result.errors[0].message
    assert result.warnings[0].candidates == ("C2", "C4")
    assert result.warnings[0].message.startswith("“Tom” could mean C2 Old Tom or C4 Tom Reyes")


def test_continuity_note() -> None:
    """The segment page's note shows descriptor details and the words that matched, or the reason."""
    result = check_prompt(fold(WORLD), "Mara's lantern glows.", previous_entities=("S1", "L1", "C3"))
    notes = [continuity_note(entry) for entry in result.injected]

    assert notes == [
        "S1 Noir — black and white — scene style",
        "L1 the Old Mill — current location",
        "C1 Mara — red hair, blue coat — matched 'Mara's'",
        "P1 lantern — green — matched 'lantern'",
        "C3 James — in last segment",
        "C2 Old Tom — recent",
    ]


@pytest.mark.parametrize("budget", [0, 20, 24, 40, 60, 79, 80, 100, 600])
def test_budget_drops_whole_entries_lowest_priority_first(budget: int) -> None:
    """Kept lines fit the budget, are whole descriptors, and are a prefix of the full priority order."""
    full = check_prompt(fold(WORLD), "Tom hands Mara the lantern.", recent=0, budget=10_000)
    cut = check_prompt(fold(WORLD), "Tom hands Mara the lantern.", recent=0, budget=budget)

    assert len("\n".join(cut.lines)) <= budget
    assert list(cut.lines) == list(full.lines[:len(cut.lines)])
    assert [e.entity_id for e in cut.injected + cut.dropped] == [e.entity_id for e in full.injected]


def test_compose_orders_style_location_named_last_segment_recent() -> None:
    """compose puts style, location, named, last-segment and recent entries in that order with reasons."""
    injection = compose(fold(WORLD), named=[("P1", "lanterns")], style_id="S1", location_id="L2",
                        previous_entities=["C1", "L1"], recent=1)

    assert [(e.entity_id, e.reason) for e in injection.entries] == [
        ("S1", "scene style"), ("L2", "current location"), ("P1", "named in prompt"),
        ("C1", "in last segment"), ("C3", "recent"),
    ]
    assert render_injected(injection.entries) == injection.lines


def test_registry_runs_custom_rules_and_refuses_duplicates() -> None:
    """A Rule passed to check_prompt runs with its severity; registering a taken name is refused."""
    def shouting(ctx):
        if ctx.reading.prompt.isupper():
            yield Issue("This prompt is all capitals. Write it in sentence case.")

    result = check_prompt(fold(WORLD), "MARA WAITS.", rules=[Rule("no_shouting", "warning", shouting)])
    assert [(w.rule, w.severity) for w in result.warnings] == [("no_shouting", "warning")]
    with pytest.raises(ValueError, match="already registered"):
        rule("style_conflict", "warning")(shouting)
    with pytest.raises(ValueError, match="severity"):
        rule("loud", "fatal")
    assert {r.name for r in RULES} >= {"unknown_id", "ambiguous_mention", "attribute_contradiction",
                                       "absent_character_acts", "location_jump", "style_conflict"}
    assert all(r.description for r in RULES)


def test_result_serialises_and_changes_are_stamped() -> None:
    """to_dict is JSON-ready, injected entries round-trip, and changes_for stamps the saved segment."""
    result = check_prompt(fold(WORLD), "Mara greets Captain Reyes at the Harbor.", previous_entities=("S1", "L1"))
    data = json.loads(json.dumps(result.to_dict()))

    assert data["new_entities"] == [{"id": "C4", "kind": "character", "name": "Captain Reyes"}]
    assert [InjectedEntry.from_dict(e) for e in data["injected"]] == list(result.injected)
    stamped = result.changes_for(42, author="ada")
    assert {(c.segment_id, c.author) for c in stamped} == {(42, "ada")}
    assert apply(fold(WORLD), stamped).entities["C4"].first_seen == 42


def test_snapshot_leaves_the_dead_out_of_the_frame() -> None:
    """The renderer's snapshot carries style, location and the characters and props in frame: not the dead,
    and not entries injected only because they were seen recently."""
    bible = fold([*WORLD, Change.add_fact(3, "C2", "dead")])
    snapshot = check_prompt(bible, "Mara mourns Tom by the lantern.", previous_entities=("S1", "L1")).snapshot()

    assert snapshot["style"] == {"id": "S1", "name": "Noir", "attributes": {"palette": "black and white"}}
    assert snapshot["location"]["id"] == "L1"
    assert [c["id"] for c in snapshot["characters"]] == ["C1"]
    assert [p["attributes"] for p in snapshot["props"]] == [{"colour": "green"}]
    assert snapshot["action"] == "Mara mourns Tom by the lantern."
