"""What people type, made safe to store and show: one set of rules for the forms, the API and the domain.

- Unicode NFC, so the same words are stored the same way whoever typed them and however;
- NUL and the other control characters are refused (tabs and line breaks become single spaces);
- bidi overrides, embeddings and isolates (U+202A–U+202E, U+2066–U+2069) are refused: they make a title,
  a name or a prompt read differently on screen from what is stored;
- a value made only of spaces and invisible characters (zero-width spaces, joiners, BOMs…) counts as empty.
  Invisible characters inside visible text stay: emoji sequences and Persian words need their joiners.
"""
from __future__ import annotations

import re
import unicodedata

#: C0 and C1 controls and DEL; tab, line feed and carriage return are whitespace here, not controls
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
#: unicode line and paragraph separators count as whitespace too (str.split knows them)
SPACE_RUN = re.compile(r"\s+")


class TextRefused(ValueError):
    """Text that can't be stored as typed, with a message for its author."""

    def __init__(self, message: str, code: str = "invalid_characters"):
        super().__init__(message)
        self.message = message
        self.code = code


def _visible(ch: str) -> bool:
    return not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Mn", "Me")


def _trim_invisible(text: str) -> str:
    start, end = 0, len(text)
    while start < end and not _visible(text[start]):
        start += 1
    while end > start and not _visible(text[end - 1]):
        end -= 1
    return text[start:end]


def clean_text(raw: object, what: str = "title") -> str:
    """A title, a name or a prompt as stored: NFC, runs of whitespace (line breaks too) made one space, trimmed.

    Returns "" when nothing visible is left; raises TextRefused for control or direction characters and
    for anything that is not a string. ``what`` names the field in the message.
    """
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise TextRefused(f"Send the {what} as text.", "invalid_type")
    text = unicodedata.normalize("NFC", raw)
    if CONTROL.search(text):
        raise TextRefused(f"The {what} contains control characters (such as NUL). Remove them and try again.")
    if BIDI_CONTROL.search(text):
        raise TextRefused(f"The {what} contains characters that change the reading direction (U+202A–U+202E, "
                          "U+2066–U+2069). Remove them and try again.")
    return _trim_invisible(SPACE_RUN.sub(" ", text))


def form_filter(what: str):
    """``clean_text`` as a WTForms filter: a refusal becomes the field's error, empty values stay empty."""

    def apply(value):
        return clean_text(value, what) if value else value

    return apply
