"""The words prompts use for what continuity tracks: colours, worn things, props, places, titles, non-names."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

#: colour words that linking, the colour rule and the grammar reading know, one family each (the full
#: vocabulary, where a word may sit in two families, is :mod:`app.media.colours`)
COLOUR_FAMILIES: Mapping[str, str] = {
    "red": "red", "crimson": "red", "scarlet": "red", "maroon": "red", "ginger": "red", "auburn": "red",
    "copper": "red", "blue": "blue", "navy": "blue", "turquoise": "blue", "teal": "blue", "green": "green",
    "emerald": "green", "black": "black", "white": "white", "ivory": "white", "grey": "grey", "gray": "grey",
    "silver": "grey", "gold": "gold", "golden": "gold", "blonde": "blonde", "blond": "blonde",
    "platinum": "blonde", "brown": "brown", "brunette": "brown", "chestnut": "brown", "hazel": "brown",
    "beige": "brown", "purple": "purple", "violet": "purple", "pink": "pink", "orange": "orange",
    "amber": "orange", "yellow": "yellow",
}
#: colours that, written before a character's name, can only mean their hair ("blonde Mara")
HAIR_COLOURS = frozenset({"blonde", "blond", "brunette", "auburn", "ginger", "platinum"})
#: things a colour can describe, singular and plural spellings → attribute key
THINGS: Mapping[str, str] = {
    "hair": "hair", "eyes": "eyes", "eye": "eyes", "coat": "coat", "raincoat": "raincoat", "jacket": "jacket",
    "dress": "dress", "hat": "hat", "beret": "beret", "cap": "cap", "scarf": "scarf", "shawl": "shawl",
    "shirt": "shirt", "blouse": "blouse", "cloak": "cloak", "cape": "cape", "boots": "boots", "boot": "boots",
    "shoes": "shoes", "shoe": "shoes", "gloves": "gloves", "glove": "gloves", "beard": "beard",
    "moustache": "moustache", "mustache": "moustache", "suit": "suit", "trousers": "trousers",
    "jeans": "jeans", "skirt": "skirt", "tie": "tie", "hood": "hood", "hoodie": "hoodie", "sweater": "sweater",
    "jumper": "jumper", "vest": "vest", "uniform": "uniform", "gown": "gown", "robe": "robe",
    "helmet": "helmet", "nails": "nails", "lipstick": "lipstick", "armour": "armour", "armor": "armour",
    "apron": "apron", "bandana": "bandana",
}
#: common objects that become props when a prompt mentions one ("a lantern", "her umbrella")
PROP_NOUNS = frozenset({
    "lantern", "lamp", "sword", "dagger", "knife", "pistol", "revolver", "rifle", "key", "letter", "map",
    "ring", "necklace", "locket", "amulet", "book", "diary", "journal", "umbrella", "suitcase", "briefcase",
    "satchel", "compass", "bottle", "chest", "candle", "mask", "crown", "staff", "wand", "radio",
    "pocket watch", "clock", "photograph", "mirror", "violin", "guitar", "bicycle", "boat", "rope",
    "shovel", "torch", "flag", "telescope", "kite", "balloon", "envelope", "scroll", "lighter", "pendant",
})
#: a last word that makes a capitalised name a place ("the Old Mill", "Harbor Street")
PLACE_NOUNS = frozenset({
    "mill", "lighthouse", "street", "road", "avenue", "lane", "alley", "harbor", "harbour", "port", "docks",
    "pier", "tower", "castle", "palace", "forest", "woods", "wood", "city", "town", "village", "station",
    "bridge", "square", "park", "inn", "tavern", "pub", "bar", "cafe", "café", "church", "cathedral", "chapel",
    "temple", "hall", "house", "manor", "mansion", "bay", "beach", "coast", "river", "lake", "sea", "ocean",
    "mountain", "mountains", "hill", "hills", "valley", "island", "isle", "market", "hospital", "school",
    "library", "museum", "hotel", "farm", "cave", "caves", "desert", "garden", "gardens", "cemetery",
    "theatre", "theater", "academy", "abbey", "fort", "keep", "quarter", "district", "plaza", "falls",
})
#: a first word that makes a capitalised name a person ("Captain Reyes", even "to Captain Reyes")
TITLES = frozenset({
    "captain", "doctor", "dr", "mr", "mrs", "ms", "miss", "lady", "lord", "sir", "king", "queen", "prince",
    "princess", "professor", "detective", "officer", "sergeant", "father", "mother", "aunt", "uncle",
    "brother", "sister", "grandma", "grandpa", "old", "young", "little", "saint", "madame", "monsieur",
})
#: capitalised only because they open a sentence or are ordinary words, never names
NOT_NAMES = frozenset({
    "a", "an", "the", "and", "but", "or", "so", "then", "when", "while", "as", "at", "in", "on", "into", "onto",
    "inside", "outside", "to", "from", "with", "without", "of", "for", "by", "after", "before", "during",
    "later", "meanwhile", "suddenly", "slowly", "finally", "now", "here", "there", "this", "that", "these",
    "those", "it", "its", "he", "she", "they", "we", "you", "i", "his", "her", "their", "our", "my", "your",
    "him", "them", "us", "me", "someone", "something", "everyone", "everything", "nobody", "nothing", "no",
    "yes", "not", "all", "some", "each", "every", "both", "one", "two", "three", "night", "day", "morning",
    "evening", "afternoon", "noon", "midnight", "dawn", "dusk", "sunset", "sunrise", "today", "tonight",
    "tomorrow", "yesterday", "rain", "snow", "fog", "mist", "wind", "storm", "thunder", "lightning", "sun",
    "moon", "stars", "camera", "shot", "close", "closeup", "close-up", "wide", "pan", "zoom", "cut", "fade",
    "scene", "interior", "exterior", "int", "ext", "slow", "fast", "quick", "back", "again", "still", "just",
    "only", "even", "also", "once", "soon", "next", "last", "first", "above", "below", "behind", "beside",
    "under", "over", "through", "across", "toward", "towards", "near", "far", "where", "why", "how", "what",
    "who", "which", "if", "because", "until", "since", "though", "although", "yet", "nor", "either",
    "neither", "elsewhere", "nearby", "somewhere", "upstairs", "downstairs", "everywhere",
    "silence", "darkness", "light", "smoke", "fire", "water", "dust", "sand", "shadows", "leaves", "waves",
    "birds", "clouds", "sky", "trees", "people", "crowds", "footsteps", "bells", "sparks", "lights", "music", "anime", "noir", "watercolor", "watercolour",
    "style", "cinematic", "black", "white", "colour", "color", "bright", "dark", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", "end", "there's", "it's", "let",
    "continue", "show", "make", "have", "keep", "add", "use", "same", "more", "less", "very", "open",
    "follow", "focus", "track", "start", "begin", "look", "see", "watch", "wait", "stop", "go", "come",
})


def alternation(words: Iterable[str]) -> str:
    """A regular-expression group matching any of ``words``, longest first."""
    return "(?:" + "|".join(re.escape(word) for word in sorted(set(words), key=lambda w: (-len(w), w))) + ")"
