"""What a character's look is made of, and when two descriptions of it disagree.

Slots are the things people describe: clothes, hair, eyes, head, skin and the like
(``coat``, ``hair``, ``boot``), named by the noun in the singular. A value is the words
the prose used for it ("brass-buttoned naval", "curly red"). Two values of one slot
disagree when they say different things along one dimension of the look: colour
("red" vs "blonde"; shades of one family agree: crimson is red, navy is blue), material
(leather vs denim), pattern (striped vs plain), shape (round vs square), length or cut
of hair (long vs cropped), texture (curly vs straight). A colour given to a thing whose
recorded look has none is a new look too ("green naval coat" for a "brass-buttoned
naval coat"). Words of no dimension ("crumpled", "thick", "new") never disagree.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from app.media.colours import families_of

#: other dimensions of a look, each word → its family within the dimension
DIMENSIONS: Mapping[str, Mapping[str, str]] = {
    "material": {w: w for w in (
        "leather", "suede", "denim", "wool", "woollen", "woolen", "tweed", "corduroy", "velvet", "silk", "satin",
        "cotton", "linen", "nylon", "polyester", "fleece", "fur", "felt", "straw", "canvas", "oilskin", "rubber",
        "plastic", "lace", "chiffon", "cashmere", "knitted", "knit", "chainmail", "steel", "iron", "wooden",
    )} | {"woollen": "wool", "woolen": "wool", "knit": "knitted", "knitted": "knitted"},
    "pattern": {"striped": "striped", "stripy": "striped", "pinstriped": "striped", "checked": "checked",
                "checkered": "checked", "chequered": "checked", "plaid": "checked", "tartan": "checked",
                "gingham": "checked", "polka-dot": "dotted", "spotted": "dotted", "dotted": "dotted",
                "floral": "floral", "flowered": "floral", "paisley": "paisley", "plain": "plain",
                "camouflage": "camouflage", "camo": "camouflage"},
    "shape": {"round": "round", "circular": "round", "oval": "oval", "square": "square",
              "rectangular": "square", "pointed": "pointed", "triangular": "pointed"},
    "length": {"long": "long", "short": "short", "cropped": "short", "close-cropped": "short",
               "shoulder-length": "medium", "waist-length": "long", "buzzed": "short"},
    "texture": {"curly": "curly", "curled": "curly", "frizzy": "curly", "wavy": "wavy", "straight": "straight",
                "sleek": "straight", "braided": "braided", "plaited": "braided"},
}
#: heads with no hair: a hair claim disagrees with them
HAIRLESS = frozenset({"shaved", "shaven", "bald", "hairless", "clean-shaven"})

#: things a look is made of, by the noun (singular or plural) → slot
_ITEM_WORDS = """
coat overcoat greatcoat raincoat trenchcoat topcoat jacket blazer parka anorak cardigan jumper sweater pullover
hoodie sweatshirt jersey shirt blouse tunic tee t-shirt vest waistcoat top corset bodice dress gown frock robe
kimono sari skirt kilt trousers pants jeans slacks shorts leggings dungarees overalls jumpsuit uniform suit
tuxedo fatigues armour armor breastplate mail cloak cape shawl poncho scarf stole muffler tie bowtie cravat
apron smock oilskin hat cap beret bonnet hood helmet visor crown tiara turban bandana headscarf veil mask
goggles glasses spectacles sunglasses monocle boots boot shoes shoe sandals sandal slippers trainers sneakers
heels gloves glove mittens belt sash earrings earring necklace locket pendant bracelet ring brooch
hair beard moustache mustache sideburns ponytail braid braids plait plaits bun buns fringe bangs curls locks
eyes eye head face skin complexion nose cheeks cheek lips lip teeth freckles scar scars tattoo tattoos
eyebrows brows nails lipstick makeup wings tail mane fur feathers collar
fedora bowler stetson trilby boater fez sombrero beanie balaclava headband hairband headdress circlet wig
mackintosh mac duster peacoat windbreaker gilet tabard surcoat doublet jerkin chemise camisole pinafore overcoat
sarong caftan kaftan hijab niqab yarmulke kippah tights stockings socks clogs moccasins loafers brogues wellingtons
wellies galoshes spurs gauntlets cufflinks wristwatch earpiece eyepatch patch monocle choker anklet bangle
"""
#: plural spellings and synonyms → the slot they fill
_SLOT_OF = {"trousers": "trousers", "pants": "trousers", "jeans": "jeans", "shorts": "shorts",
            "leggings": "leggings", "dungarees": "dungaree", "overalls": "overall", "fatigues": "fatigue",
            "glasses": "glass", "spectacles": "spectacle", "sunglasses": "sunglass", "goggles": "goggle",
            "armor": "armour", "mustache": "moustache", "locks": "hair", "curls": "hair", "complexion": "skin",
            "brows": "eyebrow", "teeth": "tooth", "mail": "armour", "trainers": "trainer", "sneakers": "sneaker"}
#: slots that are hair, however it is worn
HAIR_SLOTS = frozenset({"hair", "ponytail", "braid", "plait", "bun", "fringe", "bang"})


def slot_of(noun: str) -> str:
    """``"boots"`` → ``"boot"``, ``"coat"`` → ``"coat"``, ``"curls"`` → ``"hair"``: the slot a noun names."""
    word = noun.casefold()
    if word in _SLOT_OF:
        return _SLOT_OF[word]
    if word.endswith("sses") or word.endswith("ches") or word.endswith("shes"):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


ITEMS = frozenset(slot_of(word) for word in _ITEM_WORDS.split())


def is_item(noun: str) -> bool:
    return slot_of(noun) in ITEMS


#: "grey-haired" → hair, "blue-eyed" → eye: the body word inside a compound adjective
BODY_ADJECTIVES: Mapping[str, str] = {
    "haired": "hair", "eyed": "eye", "bearded": "beard", "moustached": "moustache", "mustached": "moustache",
    "skinned": "skin", "cheeked": "cheek", "lipped": "lip", "headed": "head", "browed": "eyebrow",
    "coated": "coat", "hatted": "hat", "gloved": "glove", "booted": "boot", "cloaked": "cloak",
}
#: adjectives on a person that describe their head
HEAD_ADJECTIVES = frozenset({"bald", "shaven", "shaved", "bald-headed", "hairless"})
#: words before a thing that do not describe how it looks
NOT_LOOKS = frozenset({"new", "old", "own", "spare", "same", "other", "favourite", "favorite", "usual",
                       "borrowed", "only", "whole", "entire", "very", "famous", "trusty", "beloved", "familiar",
                       "extra", "second", "first", "another", "lost", "stolen", "clean", "dirty", "wet", "dry"})


def _words(value: str) -> list[str]:
    words = []
    for word in re.findall(r"[a-z]+(?:-[a-z]+)*", value.casefold()):
        words.append(word)
        if "-" in word:
            words.extend(word.split("-"))
    return words


def colours(value: str) -> frozenset[str]:
    """The colour families a value names: "jet-black" → {black}, "mustard-yellow" → {yellow}."""
    families: set[str] = set()
    for word in _words(value):
        if "-" in word:
            continue
        families |= families_of(word)
    return frozenset(families)


def _families(value: str, dimension: str) -> set[str]:
    table = DIMENSIONS[dimension]
    return {table[w] for w in _words(value) if w in table}


def disagreement(slot: str, established: str, said: str) -> str | None:
    """The dimension along which ``said`` contradicts the ``established`` value of ``slot``, if any."""
    known, new = colours(established), colours(said)
    if known and new and not (known & new):
        return "colour"
    if new and not known and established.strip() and slot not in HAIR_SLOTS:
        return "colour"  # the recorded look of the thing has no colour: a colour now is a new look
    for dimension in DIMENSIONS:
        a, b = _families(established, dimension), _families(said, dimension)
        if a and b and not (a & b):
            return dimension
    return None


def describes_look(value: str) -> bool:
    """Whether a value says anything about a look (a colour or another dimension)."""
    return bool(colours(value)) or any(_families(value, d) for d in DIMENSIONS)
