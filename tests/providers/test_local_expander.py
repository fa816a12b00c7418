"""LocalExpander: the deterministic default expander."""
from __future__ import annotations

from app.providers.llm.local import LocalExpander

CONTEXT = {
    "injected": ["Mara (C1): a tall woman with red hair and a blue coat", "Old Mill (L1): a ruined stone mill."],
    "style": "S1: hand-drawn watercolour",
    "location": "Old Mill (L1): a ruined stone mill.",
    "previous_prompt": None,
}


def test_expansion_follows_style_location_descriptors_action_order():
    """The output is style, then injected descriptors (location not repeated), then the action."""
    expansion = LocalExpander().expand("Mara walks into the Old Mill", CONTEXT)

    assert expansion.expanded_prompt == (
        "S1: hand-drawn watercolour. "
        "Mara (C1): a tall woman with red hair and a blue coat. "
        "Old Mill (L1): a ruined stone mill. "
        "Action: Mara walks into the Old Mill."
    )
    assert expansion.proposed_changes == []


def test_same_input_gives_the_same_expansion():
    """Expansion is deterministic: two expanders, same prompt and context, identical result."""
    first = LocalExpander().expand("Mara's lantern flickers.", CONTEXT)
    second = LocalExpander().expand("Mara's lantern flickers.", dict(CONTEXT))

    assert first == second


def test_injected_lines_appear_verbatim():
    """Every injected descriptor line is contained word for word in the expanded prompt."""
    expansion = LocalExpander().expand("Rain falls.", CONTEXT)

    assert all(line in expansion.expanded_prompt for line in CONTEXT["injected"])


def test_mentions_are_capitalised_names_with_a_kind_guess():
    """Capitalised names become mentions (possessives reduced to the name, sentence starters skipped)."""
    expansion = LocalExpander().expand("Then Mara's dog runs into the Old Mill, and Captain Reyes waves at Mara.", {})

    assert expansion.mentions == [
        {"text": "Mara's", "name": "Mara", "kind": "character"},
        {"text": "Old Mill", "name": "Old Mill", "kind": "location"},
        {"text": "Captain Reyes", "name": "Captain Reyes", "kind": "character"},
    ]


def test_empty_context_still_gives_an_action_line():
    """With no Bible context the expansion is just the action."""
    assert LocalExpander().expand("  a boat   drifts ", {}).expanded_prompt == "Action: a boat drifts."
