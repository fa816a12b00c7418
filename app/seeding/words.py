"""The words scale stories are made of: titles, prompts and the Bible entries they establish."""
from __future__ import annotations

import random

CHARACTERS = ("Mara", "Tobin", "Ilse", "Orrin", "Sefa", "Juno", "Kestrel", "Pell", "Ada", "Rook",
              "Wren", "Caspian", "Noor", "Idris", "Lumi", "Bram", "Tamsin", "Oskar", "Vesna", "Hollis")
LOCATIONS = ("the night train", "the lighthouse", "the salt market", "the old observatory", "the flooded library",
             "the glass harbour", "the cedar woods", "the clocktower", "the dune road", "the sunken arcade",
             "the ferry deck", "the rooftop garden", "the ice cave", "the neon alley", "the abandoned mill")
ACTIONS = ("finds a map folded into a hymn book", "hears a bell where no bell should be", "follows a fox of blue light",
           "opens a door that was painted on the wall", "counts the stars and comes up one short",
           "trades a compass for a secret", "watches the tide run backwards", "climbs toward a window that glows",
           "catches a letter falling from nowhere", "wakes to find the city rearranged", "lights the last lantern",
           "loses their shadow in the crowd", "meets an older version of themself", "hides from the searchlights",
           "sings to the machine until it answers")
ADJECTIVES = ("Glass", "Silent", "Last", "Hollow", "Crimson", "Midnight", "Drowned", "Paper", "Iron", "Forgotten",
              "Burning", "Quiet", "Seventh", "Borrowed", "Winter")
NOUNS = ("Harbour", "Signal", "Orchard", "Lantern", "Archive", "Crossing", "Engine", "Garden", "Tide", "Summit",
         "Carnival", "Letter", "Compass", "Mirror", "Station")
COLOURS = ("red", "blue", "green", "yellow", "black", "white", "silver", "amber", "violet", "grey")
GARMENTS = ("coat", "scarf", "hat", "cloak", "boots")
HAIR = ("red", "black", "silver", "blonde", "brown")
FACTS = ("injured", "soaked", "lost", "carrying the map", "hunted")
STYLES = ("noir", "sepia", "warm", "pastel", "neon")


def title(rng: random.Random) -> str:
    return f"The {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"


def opening(rng: random.Random, hero: str, place: str) -> str:
    return f"{hero} arrives at {place} and {rng.choice(ACTIONS)}."


def continuation(rng: random.Random, hero: str, position: int) -> str:
    return f"{hero} {rng.choice(ACTIONS)}, beat {position}."


def fork_opening(rng: random.Random, hero: str) -> str:
    return f"Instead, {hero} turns away and {rng.choice(ACTIONS)}."
