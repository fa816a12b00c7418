"""The words a prompt uses for what a shot shows: time of day, weather, setting, people, animals, clothes, things."""
from __future__ import annotations

import re

TIME_WORDS = {
    "night": "night", "midnight": "night", "nighttime": "night", "moonlit": "night", "moonlight": "night",
    "stars": "night", "starlit": "night", "starry": "night",
    "dusk": "dusk", "sunset": "dusk", "evening": "dusk", "twilight": "dusk", "nightfall": "dusk",
    "dawn": "dawn", "sunrise": "dawn", "daybreak": "dawn",
    "morning": "morning",
    "day": "day", "daytime": "day", "noon": "day", "midday": "day", "afternoon": "day", "sunny": "day",
    "daylight": "day", "sunshine": "day",
}
#: "at 3 a.m.", "at 11 pm": small hours and late evening are night
CLOCK = re.compile(r"\b(1[0-2]|[1-9])\s*(?::\d\d\s*)?(a\.?\s?m|p\.?\s?m)\b\.?")
SETTING_WORDS = {
    "forest": "forest", "woods": "forest", "wood": "forest", "jungle": "forest", "grove": "forest",
    "trees": "forest",
    "city": "city", "street": "city", "town": "city", "alley": "city", "market": "city", "village": "city",
    "downtown": "city", "square": "city", "plaza": "city", "rooftop": "city", "rooftops": "city",
    "streetlamp": "city",
    "beach": "water", "sea": "water", "ocean": "water", "coast": "water", "harbor": "water", "harbour": "water",
    "lake": "water", "river": "water", "shore": "water", "port": "water", "island": "water", "pier": "water",
    "desert": "desert", "dunes": "desert", "dune": "desert", "canyon": "desert", "wasteland": "desert",
    "mountain": "mountains", "mountains": "mountains", "hill": "mountains", "hills": "mountains",
    "cliff": "mountains", "valley": "mountains", "peak": "mountains",
    "field": "plain", "meadow": "plain", "prairie": "plain", "farm": "plain", "pasture": "plain",
    "room": "interior", "kitchen": "interior", "office": "interior", "house": "interior", "hall": "interior",
    "library": "interior", "tavern": "interior", "inn": "interior", "castle": "interior", "bedroom": "interior",
    "classroom": "interior", "shop": "interior", "cafe": "interior", "bar": "interior", "lab": "interior",
    "laboratory": "interior", "apartment": "interior", "studio": "interior", "cellar": "interior",
    "corridor": "interior", "cottage": "interior", "palace": "interior", "hospital": "interior",
    "indoors": "interior", "inside": "interior",
    "space": "space", "spaceship": "space", "starship": "space", "station": "space", "moon": "space",
    "planet": "space", "orbit": "space",
}
WEATHER_WORDS = {
    "rain": "rain", "rainy": "rain", "raining": "rain", "storm": "rain", "stormy": "rain", "drizzle": "rain",
    "downpour": "rain", "lightning": "rain", "thunder": "rain", "rains": "rain",
    "snow": "snow", "snowy": "snow", "snowing": "snow", "blizzard": "snow", "winter": "snow", "snowfall": "snow",
    "snowflakes": "snow", "snowflake": "snow",
    "fog": "fog", "foggy": "fog", "mist": "fog", "misty": "fog", "haze": "fog", "hazy": "fog",
}
#: nouns for one person in frame; plural forms count as two unless a number says otherwise
PEOPLE = {
    "woman", "man", "girl", "boy", "child", "kid", "person", "lady", "gentleman", "stranger", "figure",
    "fisherman", "knight", "soldier", "detective", "wizard", "witch", "astronaut", "sailor", "farmer", "nurse",
    "doctor", "chef", "cook", "queen", "king", "prince", "princess", "hunter", "rider", "cyclist", "teenager",
    "tourist", "traveller", "traveler", "officer", "dancer", "musician", "student", "teacher", "worker",
    "pilot", "driver", "guard", "priest", "monk", "nun", "mother", "father", "grandmother", "grandfather",
    "friend", "thief", "pirate", "captain", "explorer", "scientist", "runner", "singer", "boxer", "warrior",
    "hero", "villain", "baker", "merchant", "beggar", "policeman", "policewoman", "fireman", "firefighter",
    "girlfriend", "boyfriend", "wife", "husband", "daughter", "son", "sister", "brother", "aunt", "uncle",
    "waiter", "waitress", "cowboy", "ninja", "samurai", "spy", "agent", "skater", "surfer", "hiker", "climber",
    "poet", "painter", "artist", "writer", "mayor", "shepherd", "miner", "blacksmith", "bride", "groom",
    "keeper", "robot", "alien", "ghost", "android", "monster", "goblin", "elf", "dwarf", "troll", "vampire",
    "zombie", "fairy", "angel",
}
#: people whose colour is said before the noun ("a green alien", "a silver robot"): the colour is their body's
BODY_COLOURED = {"robot", "alien", "ghost", "android", "monster", "goblin", "elf", "troll", "zombie", "fairy"}
PLURAL_PEOPLE = {"women": "woman", "men": "man", "children": "child", "people": "person", "ladies": "lady",
            "gentlemen": "gentleman", "fishermen": "fisherman", "policemen": "policeman", "firemen": "fireman"}
GROUPS = {"couple": 2, "pair": 2, "twins": 2, "family": 3, "crowd": 4}
NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "both": 2, "several": 3, "a few": 3}
PRONOUNS = {"she", "he", "her", "his", "him", "they", "their", "them", "hers"}
#: what a figure wears that covers most of it, as the key the figure's colour is stored under
GARMENTS = {
    "coat": "coat", "raincoat": "raincoat", "overcoat": "coat", "jacket": "jacket", "cloak": "cloak",
    "cape": "cape", "robe": "robe", "robes": "robe", "dress": "dress", "gown": "gown", "shirt": "shirt",
    "tunic": "tunic", "sweater": "sweater", "jumper": "jumper", "hoodie": "hoodie", "blouse": "blouse",
    "armour": "armour", "armor": "armour", "suit": "suit", "uniform": "uniform", "vest": "vest",
    "apron": "apron", "scrubs": "scrubs", "overalls": "overalls", "shawl": "shawl", "parka": "parka",
    "anorak": "anorak", "poncho": "poncho", "mac": "coat", "cardigan": "cardigan", "kimono": "kimono",
    "jumpsuit": "jumpsuit", "outfit": "outfit", "clothes": "clothes", "top": "top", "tshirt": "shirt",
    "waistcoat": "vest", "habit": "robe", "sari": "dress", "jersey": "jersey", "tracksuit": "suit",
    "pyjamas": "clothes", "pajamas": "clothes", "trousers": "trousers", "jeans": "jeans", "skirt": "skirt",
    "hat": "hat", "scarf": "scarf", "boots": "shoes",
}
ANIMALS = {
    "fox": "fox", "foxes": "fox", "vixen": "fox", "cub": "fox",
    "cat": "cat", "cats": "cat", "kitten": "cat", "kittens": "cat", "kitty": "cat", "tomcat": "cat",
    "raccoon": "raccoon", "raccoons": "raccoon",
    "dog": "dog", "dogs": "dog", "puppy": "dog", "puppies": "dog", "hound": "dog", "wolf": "dog",
    "wolves": "dog", "terrier": "dog", "spaniel": "dog", "collie": "dog", "retriever": "dog",
    "bird": "bird", "birds": "bird", "crow": "bird", "crows": "bird", "owl": "bird", "owls": "bird",
    "seagull": "bird", "seagulls": "bird", "gull": "bird", "gulls": "bird", "pigeon": "bird", "pigeons": "bird",
    "duck": "bird", "ducks": "bird", "swan": "bird", "swans": "bird", "eagle": "bird", "hawk": "bird",
    "sparrow": "bird", "sparrows": "bird", "robin": "bird", "parrot": "bird", "magpie": "bird",
    "horse": "horse", "horses": "horse", "pony": "horse", "ponies": "horse", "stallion": "horse", "mare": "horse",
    "foal": "horse", "donkey": "horse",
    "fish": "fish", "goldfish": "fish", "trout": "fish", "carp": "fish", "koi": "fish",
}
PLURAL_ANIMALS = {"foxes", "cats", "kittens", "raccoons", "dogs", "puppies", "wolves", "birds", "crows", "owls",
                   "seagulls", "gulls", "pigeons", "ducks", "swans", "sparrows", "horses", "ponies"}
TITLES = {"old", "young", "the", "sir", "lady", "lord", "mister", "miss", "mrs", "dame", "professor", "saint", "uncle",
           "aunt", "little", "big", "great", "madam", "master"}
#: "named Pip", "called Duchess": the animal is that character
NAMING = {"named", "called"}
#: words between "is a" and the animal that still make the character that animal ("is a clever little fox")
DESCRIBING = {"a", "an", "clever", "small", "big", "little", "old", "young", "sly", "sleek", "wily", "nervous",
               "shy", "brave", "tiny", "huge", "scruffy", "fluffy", "curious"}
#: objects drawn when the prompt mentions them; the others only when it gives their colour ("a red box")
THINGS = {"umbrella", "parasol", "balloon", "kite", "lantern", "lamp", "candle", "sword", "suitcase", "boat",
          "car", "bicycle", "bike", "cart", "wagon", "chest", "crate", "globe", "torch", "vase", "bottle"}
COLOURED_THINGS = {"ball", "box", "book", "bag", "cup", "apple", "key", "map", "letter", "staff", "wand", "potion",
                   "ring", "clock", "phone", "egg", "orb", "stick", "cane", "flower", "rose", "flag"}
#: what lies between a name and a noun that describes it: "Bolt, a small robot"
APPOSITION = re.compile(r"\s*,\s*(?:a|an)\s+(?:[a-z]+\s+){0,3}")
MAX_PEOPLE = 6
MAX_THINGS = 4
MAX_ANIMALS = 4
