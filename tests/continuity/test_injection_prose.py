"""A ten-segment story by three writers, described only in appositives: every continuation's expanded
prompt carries the facts of the entities it names, in the words the writers used."""
from __future__ import annotations

from app.continuity import apply, check_prompt, fold
from app.providers.llm.local import LocalExpander

#: (writer, prompt); looks are given only in appositives, never as "has"/"wears" statements
STORY = [
    ("ines", "Captain Idris, a wiry man with a shaved head and a brass-buttoned naval coat, "
             "steps onto the pier at Saltmarsh Quay."),
    ("tomas", "A net-mender named Wren, a small woman in a patched green shawl, waves to Idris."),
    ("ada", "Idris walks along the pier toward Wren."),
    ("ines", "Doctor Hallam Pike, a stooped man in a grey frock coat and round spectacles, arrives by cart."),
    ("tomas", "Pike greets Idris and the net-mender."),
    ("ada", "Wren mends a net while Pike watches the boats."),
    ("ines", "The captain points at the storm clouds over Saltmarsh Quay."),
    ("tomas", "Idris and Pike argue about the weather."),
    ("ada", "Wren laughs at them both."),
    ("ines", "Pike, Wren and Idris shelter under the harbour wall."),
]

FACTS = {
    "C1": ("shaved head", "brass-buttoned naval coat"),
    "C2": ("patched green shawl",),
    "C3": ("grey frock coat", "round spectacles"),
}


def test_each_continuation_carries_its_entities_facts_word_for_word() -> None:
    bible, used, previous = fold([]), [], []
    expander = LocalExpander()
    for number, (writer, prompt) in enumerate(STORY, start=1):
        result = check_prompt(bible, prompt, segment_id=number, parent_segment_id=number - 1 or None,
                              previous_entities=previous, used_ids=used, author=writer)
        assert result.ok, (prompt, [e.message for e in result.errors])
        expanded = expander.expand(prompt, {"injected": list(result.lines)}).expanded_prompt
        if number > 1:
            for entity_id in result.linked_ids:
                for fact in FACTS.get(entity_id, ()):
                    assert fact in expanded, (number, entity_id, fact, expanded)
        bible = apply(bible, result.changes_for(number, writer))
        used = list(bible.entities)
        previous = [entry.entity_id for entry in result.injected]

    names = {e.id: (e.name, e.kind) for e in bible.entities.values() if e.kind != "prop"}
    assert names == {"C1": ("Captain Idris", "character"), "L1": ("Saltmarsh Quay", "location"),
                     "C2": ("Wren", "character"), "C3": ("Doctor Hallam Pike", "character")}, names
    assert "the captain" in bible.get("C1").aliases and "the net-mender" in bible.get("C2").aliases
