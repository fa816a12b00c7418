"""Reading ordinary descriptive prose: appositives, relative clauses, titles, stated changes, pronouns."""
from __future__ import annotations

from app.continuity import Bible, apply, check_prompt, fold

IDRIS = ("Captain Idris, a wiry man with a shaved head and a brass-buttoned naval coat, "
         "steps onto the pier at Saltmarsh Quay.")


def opened(prompt: str) -> Bible:
    """The Bible after ``prompt`` opens a scene as segment 1."""
    return apply(fold([]), check_prompt(fold([]), prompt, segment_id=1).changes_for(1))


def test_appositive_description_becomes_one_character_with_facts_and_a_place() -> None:
    bible = opened(IDRIS)

    idris, quay = bible.get("C1"), bible.get("L1")
    assert (idris.name, idris.kind) == ("Captain Idris", "character")
    assert "Idris" in idris.aliases
    assert {k: v.value for k, v in idris.attributes.items()} == {"head": "shaved", "coat": "brass-buttoned naval"}
    assert (quay.name, quay.kind) == ("Saltmarsh Quay", "location")
    assert [e.id for e in bible.entities.values()] == ["C1", "L1"]


def test_an_unstated_new_coat_is_refused_naming_the_character_the_coat_and_the_segment() -> None:
    result = check_prompt(opened(IDRIS), "Idris buttons his green naval coat.", segment_id=2, parent_segment_id=1)

    assert [e.rule for e in result.errors] == ["attribute_contradiction"]
    error = result.errors[0]
    assert (error.entity_id, error.entity_name, error.since_segment) == ("C1", "Captain Idris", 1)
    assert error.fact == "coat: brass-buttoned naval"
    assert "brass-buttoned naval coat since segment 1" in error.message
    assert "“Captain Idris changes into a green naval coat”" in error.message
    assert "C2" not in [n.id for n in result.new_entities]


def test_a_stated_change_is_accepted_and_recorded() -> None:
    result = check_prompt(opened(IDRIS), "Idris changes into a green naval coat.", segment_id=2)

    assert result.ok and not result.warnings
    assert [(c.entity_id, c.op, c.key, c.value) for c in result.proposed_changes] == [
        ("C1", "set_attribute", "coat", "green naval")]
    assert result.bible_after.get("C1").attributes["coat"].value == "green naval"


def test_buying_a_coat_for_someone_else_contradicts_nothing() -> None:
    result = check_prompt(opened(IDRIS), "Idris buys a green coat for his son.", segment_id=2)

    assert result.ok and not result.warnings
    assert not [c for c in result.proposed_changes if c.op == "set_attribute"]


def test_pronouns_link_to_their_character_and_say_so() -> None:
    result = check_prompt(opened(IDRIS), "Idris waits. He pulls his coat tight.", segment_id=2)

    assert [(m.text, m.entity_id, m.via) for m in result.links] == [
        ("Idris", "C1", "alias"), ("He", "C1", "pronoun"), ("his", "C1", "pronoun")]
    assert "via" in str(result.to_dict()["links"])


def test_a_courier_named_jin_is_also_the_courier() -> None:
    bible = opened("A courier named Jin, grey-haired and quick, runs through the rain in a yellow raincoat.")

    jin = bible.get("C1")
    assert (jin.name, jin.aliases) == ("Jin", ("the courier",))
    assert {k: v.value for k, v in jin.attributes.items()} == {"hair": "grey", "raincoat": "yellow"}
    refused = check_prompt(bible, "The courier pulls up the hood of her red raincoat.", segment_id=2)
    assert [(e.rule, e.entity_id) for e in refused.errors] == [("attribute_contradiction", "C1")]


def test_without_and_negation_claim_nothing() -> None:
    bible = opened(IDRIS)

    for prompt in ("Idris, without his green coat, shivers.", "Idris is not wearing a green coat today."):
        assert check_prompt(bible, prompt, segment_id=2).ok, prompt


def test_relative_clause_and_possessive_descriptions() -> None:
    bible = opened("Dr. Ines Vale, whose hair is silver, meets Mr. Okoro, who wears a checked scarf.")

    assert bible.get("C1").attributes["hair"].value == "silver"
    assert bible.get("C2").attributes["scarf"].value == "checked"
    assert not check_prompt(bible, "Okoro straightens his striped scarf.", segment_id=2).ok
    assert check_prompt(bible, "Okoro takes off his scarf and hands it to Dr. Vale.", segment_id=2).ok


def test_painting_a_prop_in_any_colour_of_the_wardrobe_records_it() -> None:
    """Painting a prop "mauve" records its colour: the parse knows every colour word the wardrobe knows."""
    from app.continuity import read_prompt

    reading = read_prompt(fold([]), "Lavender walks in. Mara dyes her hair lavender and paints the lantern mauve.")

    painted = [(s.key, s.value) for s in reading.statements if s.op == "set_attribute"]
    assert painted == [("colour", "mauve")]
