"""The table-driven continuity suite: a Bible and a prompt in, links, issues, changes and injection out.

Every case continues segment 3 of the shared world (tests/continuity/world.py) (style S1 Noir, L1 the Old Mill,
C1 Mara with red hair and a blue coat, C2 Old Tom alias Tom, P1 a green lantern,
L2 the Harbor, C3 James), with S1, L1 and C1 present in the last segment.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from app.continuity import Change, check_prompt, fold
from tests.continuity.world import WORLD

DEAD_TOM = (Change.add_fact(3, "C2", "dead"),)
GONE_JAMES = (Change.add_fact(3, "C3", "gone"),)
SECOND_TOM = (Change.create(3, "C4", "character", "Tom Reyes"), Change.add_alias(3, "C4", "Tom"))


@dataclass(frozen=True)
class Case:
    prompt: str
    links: list[str]
    injected: list[str]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    proposed: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)
    extra: tuple[Change, ...] = ()
    world: tuple[Change, ...] = WORLD
    options: dict[str, Any] = field(default_factory=dict)


CASES = {
    # --- linking ---
    "name_in_any_case": Case("mara smiles.", ["mara=C1"], ["S1", "L1", "C1"]),
    "alias": Case("Tom waves.", ["Tom=C2"], ["S1", "L1", "C2", "C1"]),
    "longest_name_wins": Case("Old Tom waves.", ["Old Tom=C2"], ["S1", "L1", "C2", "C1"]),
    "plural": Case("Two lanterns glow.", ["lanterns=P1"], ["S1", "L1", "P1", "C1"]),
    "possessive": Case("Mara's coat is wet.", ["Mara's=C1"], ["S1", "L1", "C1"]),
    "curly_possessive": Case("Mara’s hand shakes.", ["Mara’s=C1"], ["S1", "L1", "C1"]),
    "s_apostrophe_possessive": Case("James' lantern flickers.", ["James'=C3", "lantern=P1"],
                                    ["S1", "L1", "C3", "P1", "C1"]),
    "explicit_id": Case("C1 waits by the door.", ["C1=C1"], ["S1", "L1", "C1"]),
    "explicit_id_and_alias": Case("C2 (Tom) nods.", ["C2=C2", "Tom=C2"], ["S1", "L1", "C2", "C1"]),
    "missing_id": Case("C9 waits by the door.", [], ["S1", "L1", "C1"], errors=["unknown_id"]),
    "id_from_another_branch": Case("C4 waits by the door.", [], ["S1", "L1", "C1"], errors=["unknown_id"],
                                   options={"used_ids": ["C4"]}),
    "ambiguous_alias": Case("Tom waves.", [], ["S1", "L1", "C1"], warnings=["ambiguous_mention"], extra=SECOND_TOM),
    "full_name_resolves_ambiguity": Case("Tom Reyes waves.", ["Tom Reyes=C4"], ["S1", "L1", "C4", "C1"],
                                         extra=SECOND_TOM),
    "new_character": Case("Mara greets Captain Reyes.", ["Mara=C1", "Captain Reyes=C4"], ["S1", "L1", "C1", "C4"],
                          proposed=[("C4", "create", "character", "Captain Reyes"), ("C4", "add_alias", None, "Reyes"),
                                    ("C4", "add_alias", None, "the captain")]),
    "new_location": Case("Mara walks to the Lighthouse.", ["Mara=C1", "Lighthouse=L3"], ["S1", "L3", "C1"],
                         proposed=[("L3", "create", "location", "Lighthouse")]),
    "new_prop": Case("Mara finds a rusty key.", ["Mara=C1", "key=P2"], ["S1", "L1", "C1", "P2"],
                     proposed=[("P2", "create", "prop", "key")]),
    "new_id_skips_sibling_branch_ids": Case("Mara greets Captain Reyes.", ["Mara=C1", "Captain Reyes=C6"],
                                            ["S1", "L1", "C1", "C6"],
                                            proposed=[("C6", "create", "character", "Captain Reyes"),
                                                      ("C6", "add_alias", None, "Reyes"),
                                                      ("C6", "add_alias", None, "the captain")],
                                            options={"used_ids": ["C4", "C5", "L3"]}),
    "same_new_name_one_id": Case("Ada waves. Ada laughs.", ["Ada=C4", "Ada=C4"], ["S1", "L1", "C4", "C1"],
                                 proposed=[("C4", "create", "character", "Ada")]),
    "renamed_keeps_old_name": Case("James nods to Jim.", ["James=C3", "Jim=C3"], ["S1", "L1", "C3", "C1"],
                                   extra=(Change.rename(3, "C3", "Jim"),)),
    # --- attributes ---
    "hair_contradiction": Case("Blonde Mara walks in.", ["Mara=C1"], ["S1", "L1", "C1"],
                               errors=["attribute_contradiction"]),
    "possessive_contradiction": Case("Mara's green coat flaps.", ["Mara's=C1"], ["S1", "L1", "C1"],
                                     errors=["attribute_contradiction"]),
    "connector_contradiction": Case("Mara, in a black coat, waits.", ["Mara=C1"], ["S1", "L1", "C1"],
                                    errors=["attribute_contradiction"]),
    "with_contradiction": Case("Mara with silver hair waits.", ["Mara=C1"], ["S1", "L1", "C1"],
                               errors=["attribute_contradiction"]),
    "same_colour_family": Case("Mara's crimson hair glows.", ["Mara's=C1"], ["S1", "L1", "C1"]),
    "dye_states_the_change": Case("Mara dyes her hair blonde.", ["Mara=C1", "her=C1"], ["S1", "L1", "C1"],
                                  proposed=[("C1", "set_attribute", "hair", "blonde")]),
    "changes_into": Case("Mara changes into a green coat.", ["Mara=C1"], ["S1", "L1", "C1"],
                         proposed=[("C1", "set_attribute", "coat", "green")]),
    "puts_on": Case("Mara puts on a black hat.", ["Mara=C1"], ["S1", "L1", "C1"],
                    proposed=[("C1", "set_attribute", "hat", "black")]),
    "takes_off": Case("Mara takes off her blue coat.", ["Mara=C1", "her=C1"], ["S1", "L1", "C1"],
                      proposed=[("C1", "unset_attribute", "coat", None)]),
    "first_mention_of_attribute": Case("Mara, in red boots, waits.", ["Mara=C1"], ["S1", "L1", "C1"],
                                       proposed=[("C1", "set_attribute", "boots", "red")]),
    "prop_colour_contradiction": Case("The red lantern swings.", ["lantern=P1"], ["S1", "L1", "P1", "C1"],
                                      errors=["attribute_contradiction"]),
    "paint_states_the_change": Case("Tom paints the lantern red.", ["Tom=C2", "lantern=P1"],
                                    ["S1", "L1", "C2", "P1", "C1"], proposed=[("P1", "set_attribute", "colour", "red")]),
    "new_character_with_attribute": Case("Ada, in a yellow raincoat, waits.", ["Ada=C4"], ["S1", "L1", "C4", "C1"],
                                         proposed=[("C4", "create", "character", "Ada"),
                                                   ("C4", "set_attribute", "raincoat", "yellow")]),
    "hair_turns": Case("Mara's hair turns grey.", ["Mara's=C1"], ["S1", "L1", "C1"],
                       proposed=[("C1", "set_attribute", "hair", "grey")]),
    # --- dead, gone, returns ---
    "kill_states_death": Case("Tom kills Mara.", ["Tom=C2", "Mara=C1"], ["S1", "L1", "C2", "C1"],
                              proposed=[("C1", "add_fact", "dead", None)]),
    "dies": Case("James dies.", ["James=C3"], ["S1", "L1", "C3", "C1"], proposed=[("C3", "add_fact", "dead", None)]),
    "dead_character_acts": Case("Old Tom walks in.", ["Old Tom=C2"], ["S1", "L1", "C2", "C1"],
                                errors=["absent_character_acts"], extra=DEAD_TOM),
    "dead_character_acts_after_and": Case("Mara waits and Tom walks in.", ["Mara=C1", "Tom=C2"],
                                          ["S1", "L1", "C1", "C2"], errors=["absent_character_acts"], extra=DEAD_TOM),
    "dead_character_remembered": Case("Mara remembers Old Tom.", ["Mara=C1", "Old Tom=C2"], ["S1", "L1", "C1", "C2"],
                                      extra=DEAD_TOM),
    "dead_character_grave": Case("Mara kneels at Tom's grave.", ["Mara=C1", "Tom's=C2"], ["S1", "L1", "C1", "C2"],
                                 extra=DEAD_TOM),
    "dead_character_ghost": Case("The ghost of Old Tom drifts past.", ["Old Tom=C2"], ["S1", "L1", "C2", "C1"],
                                 extra=DEAD_TOM),
    "dead_character_carried": Case("Mara carries Tom.", ["Mara=C1", "Tom=C2"], ["S1", "L1", "C1", "C2"],
                                   extra=DEAD_TOM),
    "gone_character_acts": Case("Later, James opens the door.", ["James=C3"], ["S1", "L1", "C3", "C1"],
                                errors=["absent_character_acts"], extra=GONE_JAMES),
    "return_ends_death": Case("Old Tom returns.", ["Old Tom=C2"], ["S1", "L1", "C2", "C1"],
                              proposed=[("C2", "end_fact", "dead", None)], extra=DEAD_TOM),
    "vanishes": Case("James vanishes.", ["James=C3"], ["S1", "L1", "C3", "C1"],
                     proposed=[("C3", "add_fact", "gone", None)]),
    "wounded": Case("Mara is wounded.", ["Mara=C1"], ["S1", "L1", "C1"], proposed=[("C1", "add_fact", "injured", None)]),
    # --- location ---
    "location_jump": Case("Mara waits at the Harbor.", ["Mara=C1", "Harbor=L2"], ["S1", "L2", "C1"],
                          warnings=["location_jump"]),
    "location_with_transition": Case("Later, Mara waits at the Harbor.", ["Mara=C1", "Harbor=L2"], ["S1", "L2", "C1"]),
    "same_location": Case("Mara waits in the Old Mill.", ["Mara=C1", "Old Mill=L1"], ["S1", "L1", "C1"]),
    "jump_to_new_place": Case("Mara waits in the Blue Lighthouse.", ["Mara=C1", "Blue Lighthouse=L3"],
                              ["S1", "L3", "C1"], warnings=["location_jump"],
                              proposed=[("L3", "create", "location", "Blue Lighthouse")]),
    "jump_by_explicit_id": Case("Mara waits at L2.", ["Mara=C1", "L2=L2"], ["S1", "L2", "C1"],
                                warnings=["location_jump"]),
    # --- style ---
    "style_in_colour": Case("Mara walks in colour.", ["Mara=C1"], ["S1", "L1", "C1"], warnings=["style_conflict"]),
    "style_anime": Case("Anime style: Mara waves.", ["Mara=C1"], ["S1", "L1", "C1"], warnings=["style_conflict"]),
    "style_watercolor": Case("Mara waves, watercolor.", ["Mara=C1"], ["S1", "L1", "C1"], warnings=["style_conflict"]),
    "style_bright_pastel": Case("Mara waves in bright pastel tones.", ["Mara=C1"], ["S1", "L1", "C1"],
                                warnings=["style_conflict"]),
    "style_consistent": Case("Mara waves in black and white, noir shadows.", ["Mara=C1", "noir=S1"],
                             ["S1", "L1", "C1"]),
    "no_scene_style": Case("Mara walks in colour.", ["Mara=C1"], ["L1", "C1"], world=WORLD[2:]),
    # --- injection order and budget ---
    "injection_order": Case("Tom hands Mara the lantern.", ["Tom=C2", "Mara=C1", "lantern=P1"],
                            ["S1", "L1", "C2", "C1", "P1", "C3"], options={"previous_entities": ("S1", "L1", "C3")}),
    "recent_fill_in": Case("Mara waves.", ["Mara=C1"], ["S1", "L1", "C1", "C3", "C2"],
                           options={"previous_entities": ("S1", "L1"), "recent": 2}),
    "dead_not_carried_over": Case("Mara waits.", ["Mara=C1"], ["S1", "L1", "C1", "C3", "P1"], extra=DEAD_TOM,
                                  options={"previous_entities": ("S1", "L1", "C1", "C2"), "recent": 2}),
    "budget_drops_lowest": Case("Tom hands Mara the lantern.", ["Tom=C2", "Mara=C1", "lantern=P1"],
                                ["S1", "L1", "C2", "C1"], options={"budget": 80}),
}


@pytest.mark.parametrize("case", [pytest.param(case, id=name) for name, case in CASES.items()])
def test_continuity_case(case: Case) -> None:
    """Each case gives exactly the expected links, errors, warnings, proposed changes and injected ids."""
    options = {"parent_segment_id": 3, "previous_entities": ("S1", "L1", "C1"), "recent": 0, **case.options}
    result = check_prompt(fold(case.world + case.extra), case.prompt, **options)

    assert [f"{m.text}={m.entity_id}" for m in result.links] == case.links
    assert [issue.rule for issue in result.errors] == case.errors
    assert [issue.rule for issue in result.warnings] == case.warnings
    assert [(c.entity_id, c.op, c.key, c.value) for c in result.proposed_changes] == case.proposed
    assert [entry.entity_id for entry in result.injected] == case.injected
    assert result.ok is not case.errors


def test_suite_is_large_enough() -> None:
    """The table has at least 30 cases and exercises every registered rule."""
    from app.continuity import RULES

    assert len(CASES) >= 30
    exercised = {rule for case in CASES.values() for rule in case.errors + case.warnings}
    assert exercised == {r.name for r in RULES}
