"""The local renderer reads the prompt for what the shot shows (``read_shot``)."""
from __future__ import annotations

import json
from pathlib import Path

from app.providers.video.local.cast import cast_of
from app.providers.video.local.shot import prompt_words, read_shot

HELD_OUT = Path(__file__).parent / "data" / "shot_prompts_heldout.json"


def test_an_unnamed_woman_in_a_red_coat_at_noon():
    """Time, setting and the woman's coat colour come from the prompt's own words."""
    shot = read_shot("A woman in a bright red coat stands in a field at noon.")
    assert (shot.time, shot.weather, shot.setting) == ("day", None, "plain")
    assert [(p.noun, p.wears) for p in shot.people] == [("woman", {"coat": "bright red"})]


def test_colours_dress_the_person_they_follow_and_groups_share_them():
    """"Two old men in grey coats … a girl with red hair in a green dress" dresses each where it is said."""
    shot = read_shot("Two old men in grey coats watch a girl with red hair in a green dress.")
    assert [(p.noun, p.wears, p.hair) for p in shot.people] == [
        ("man", {"coat": "grey"}, None), ("man", {"coat": "grey"}, None), ("girl", {"dress": "green"}, "red"),
    ]


def test_a_colour_said_before_the_person_still_dresses_them():
    """"In a long blue cloak, a stranger …" and "the stranger" later is the same one person."""
    shot = read_shot("In a long blue cloak, a stranger walks into the tavern. The stranger orders ale.")
    assert [(p.noun, p.wears) for p in shot.people] == [("stranger", {"cloak": "blue"})]
    assert shot.setting == "interior"


def test_animals_and_their_colours():
    """Animals are counted by kind with the colour the prompt gives them; "raven hair" is no bird."""
    shot = read_shot("A black cat and two dogs chase a red fox while a woman with raven hair watches.")
    assert [(a.kind, a.color) for a in shot.animals] == [("cat", "black"), ("dog", None), ("dog", None),
                                                         ("fox", "red")]
    assert [p.noun for p in shot.people] == ["woman"]


def test_a_named_character_can_be_an_animal():
    """"Juniper … is a clever fox" and "a raccoon named Pip" make those Bible characters animals."""
    shot = read_shot("Detective Juniper, in a brown coat, is a clever fox.", ["Detective Juniper"])
    assert [(p.name, p.animal, p.wears) for p in shot.people] == [("Detective Juniper", "fox", {"coat": "brown"})]
    shot = read_shot("Juniper meets a nervous raccoon named Pip at the cafe.", ["Detective Juniper", "Pip"])
    assert [(p.name, p.animal) for p in shot.people] == [("Detective Juniper", None), ("Pip", "raccoon")]


def test_clock_times_and_weather_words():
    """"At 3 a.m." is night, "11 pm" too; a storm is rain, a blizzard snow, mist fog."""
    assert read_shot("A nurse hurries along the corridor at 3 a.m.").time == "night"
    assert read_shot("They leave the bar at 11 pm.").time == "night"
    assert read_shot("Lightning over the castle, a storm coming.").weather == "rain"
    assert read_shot("The blizzard hides the road.").weather == "snow"
    assert read_shot("Mist on the lake.").weather == "fog"


def test_the_writers_words_not_the_expanded_prompt():
    """The renderer reads the segment's own prompt, not the Bible lines the expander put before it."""
    expanded = "noir. Mira (C1): a woman; coat: red. Location: Harbour (L1): time: dusk. Action: Mira walks on."
    assert prompt_words(expanded, None) == " Mira walks on."
    assert prompt_words(expanded, "Mira walks on at night.") == "Mira walks on at night."


def test_an_unnamed_noun_that_a_bible_character_answers_to_is_that_character():
    """"The woman" when the Bible's Mara is "a woman" dresses Mara instead of adding a second figure."""
    mara = {"id": "C1", "name": "Mara", "attributes": {"is": "a woman", "coat": "red"}}
    cast = cast_of([mara], read_shot("The woman in a green raincoat waits.", ["Mara"]), None)
    assert len(cast) == 1
    assert next(iter(cast[0].entity["attributes"].items())) == ("color", "green")


def test_held_out_prompts_are_mostly_read_right():
    """On the 40 held-out prompts (written before the reader) time, weather and setting are right for at
    least 90 %, and the people count and animals for at least 90 %."""
    entries = json.loads(HELD_OUT.read_text())["prompts"]
    scene_right = figures_right = 0
    for entry in entries:
        shot = read_shot(entry["prompt"])
        scene_right += (shot.time, shot.weather, shot.setting) == (entry["time"], entry["weather"], entry["setting"])
        figures_right += (len(shot.people) == len(entry["people"])
                          and sorted(a.kind for a in shot.animals) == sorted(entry["animals"]))
    assert scene_right >= 0.9 * len(entries)
    assert figures_right >= 0.9 * len(entries)


def test_a_noun_that_describes_a_named_character_is_that_character():
    """"Bolt, a small silver robot", "a green alien named Zib", "Old Tom … is the lighthouse keeper":
    one figure each, coloured as said; "old" alone is not Old Tom."""
    shot = read_shot("Bolt, a small silver robot, meets a green alien named Zib.", ["Bolt", "Zib"])
    assert [(p.name, p.wears) for p in shot.people] == [("Bolt", {"clothes": "silver"}), ("Zib", {"clothes": "green"})]
    shot = read_shot("Old Tom, in a yellow raincoat, is the lighthouse keeper; an old fisherman waves.", ["Old Tom"])
    assert [(p.name, p.noun) for p in shot.people] == [("Old Tom", "character"), (None, "fisherman")]


def test_every_mention_of_a_name_counts():
    """A colour said at a character's second mention dresses that character, not the one named just before."""
    shot = read_shot("Mara waves. Tom nods and Mara, in a blue coat, leaves.", ["Mara", "Tom"])
    assert shot.person_named("Mara").wears == {"coat": "blue"}
    assert shot.person_named("Tom").wears == {}


def test_a_plural_garment_dresses_everyone_joined_by_and():
    """"A girl and a boy in yellow raincoats" are both in yellow; "a woman in a red dress and a man in a grey
    suit" each in their own."""
    shot = read_shot("A girl and a boy in yellow raincoats chase a dog in the rain.")
    assert [(p.noun, p.wears) for p in shot.people] == [("girl", {"raincoat": "yellow"}), ("boy", {"raincoat": "yellow"})]
    shot = read_shot("A woman in a red dress and a man in a grey suit stand in the plaza.")
    assert [(p.noun, p.wears) for p in shot.people] == [("woman", {"dress": "red"}), ("man", {"suit": "grey"})]


def test_a_bible_character_whose_name_or_species_is_an_animal_is_cast_as_one():
    """"Rusty the Fox" and ``species: cat`` are drawn as animals; a character with a pet dog is not a dog."""
    rusty = {"id": "C1", "name": "Rusty the Fox", "attributes": {}}
    duchess = {"id": "C2", "name": "Duchess", "attributes": {"species": "cat", "fur": "black"}}
    mara = {"id": "C3", "name": "Mara", "attributes": {"pet": "a small dog", "coat": "red"}}
    cast = cast_of([rusty, duchess, mara], read_shot("They meet at noon.", ["Rusty the Fox", "Duchess", "Mara"]), None)
    assert [(m.key, m.animal) for m in cast] == [("C1", "fox"), ("C2", "cat"), ("C3", None)]
    assert cast[1].coat == (22, 22, 26)
