"""Pre-generation prompt filter: refuse prompts that contain a blocked term.

Prompts and terms go through the same normalisation (NFKC, casefold, no
diacritics, no invisible characters, look-alike letters mapped to Latin), then
terms are matched as whole words against the prompt's token stream, so a
blocked "ass" never fires inside "class" or "assassin". Evasions are caught by
reading each token several ways:

* leetspeak readings of tokens that mix letters with 0 1 3 4 5 7 @ $ ("k1ll");
* a letter stretched to three or more repeats counts as the term's own count
  ("kiiill" is "kill", but "as" is never "ass");
* punctuation inside a word is also read as absent ("k.i.l.l", "ki-ll");
* a run of single characters ("k i l l") is joined and searched for terms
  anywhere inside it, the only place where substring matching is used.

Terms may span several words ("child porn", also caught as "childporn"), and a
trailing "*" matches any word that starts with the term ("decapitat*").
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app

DEFAULT_TERMS_PATH = Path(__file__).with_name("blocked_terms.txt")
#: the category of terms given without one
GENERAL_CATEGORY = "general"

# Cyrillic and Greek capitals that look like Latin ones, mapped before casefold because some
# lower-case forms look different (Greek "Ν" is N, its lower case "ν" looks like v)
_UPPER_HOMOGLYPHS = str.maketrans(
    {
        "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p", "С": "c",
        "Т": "t", "У": "y", "Х": "x", "І": "i", "Ј": "j", "Ѕ": "s", "Һ": "h", "Ӏ": "l",
        "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m", "Ν": "n",
        "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
    }
)  # fmt: skip
# the lower-case look-alikes, mapped after casefold
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
        "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w",
        "һ": "h", "ӏ": "l", "ɡ": "g", "ı": "i",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
        "τ": "t", "υ": "u", "χ": "x", "ω": "w",
    }
)  # fmt: skip

# what each leetspeak character may stand for; "1" is read both ways
_LEET = {"0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
# "1" in a token doubles its readings; beyond this many, read every "1" the same way
_MAX_READINGS = 16
_WORD = re.compile(r"(?:[^\W_]|[@$])+")
_STRETCHED = 3  # repeats from which a letter counts as stretched ("kiiill")

#: a word as runs of one repeated character: "kill" -> (("k", 1), ("i", 1), ("l", 2))
Runs = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class FilterVerdict:
    """The filter's answer for one prompt; ``reason`` is a sentence to show the person who wrote it."""

    allowed: bool
    category: str | None = None
    matched: str | None = None
    reason: str = "Your prompt passed the content filter."


@dataclass(frozen=True)
class _Term:
    text: str
    category: str
    words: tuple[Runs, ...]
    prefix: bool  # the last word may continue ("decapitat*")
    joined: Runs  # the words run together, for "childporn" and "c h i l d p o r n"

    @property
    def shown(self) -> str:
        return f"{self.text[:-1]}…" if self.prefix else self.text


@dataclass(frozen=True)
class _Token:
    readings: tuple[Runs, ...]
    spelled_out: bool  # joined from single characters: "k i l l"


def normalize_text(text: str) -> str:
    """Text reduced for matching: NFKC, casefolded, no diacritics or invisible characters, Latin look-alikes."""
    # Cf holds zero-width spaces/joiners, soft hyphens and bidi controls: invisible, so never part of a word
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = unicodedata.normalize("NFKC", text).translate(_UPPER_HOMOGLYPHS).casefold()
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", text).translate(_HOMOGLYPHS)


def _runs(word: str) -> Runs:
    return tuple((ch, len(list(group))) for ch, group in itertools.groupby(word))


def _readings(word: str) -> tuple[Runs, ...]:
    """The word as written plus its leetspeak readings, as runs."""
    # "@" and "$" at a word's edge are more often punctuation ("$5", "@mara") than letters
    forms = {word, word.strip("@$") or word}
    # plain numbers stay numbers ("1920"); a word with letters or "@"/"$" ("@$$") may be leetspeak
    if any(ch in _LEET for ch in word) and any(ch.isalpha() or ch in "@$" for ch in word):
        choices = [_LEET.get(ch, ch) for ch in word]
        if 2 ** sum(len(options) > 1 for options in choices) <= _MAX_READINGS:
            forms.update("".join(letters) for letters in itertools.product(*choices))
        else:
            forms.update("".join(options[min(pick, len(options) - 1)] for options in choices) for pick in (0, 1))
    return tuple(_runs(form) for form in sorted(forms))


def _fits_at(text: Runs, term: Runs, start: int, *, open_left: bool, open_right: bool) -> bool:
    """Whether ``term`` matches ``text`` from run ``start``; an open edge may continue past the match."""
    if start + len(term) > len(text):
        return False
    last = len(term) - 1
    for offset, (ch, count) in enumerate(term):
        text_ch, text_count = text[start + offset]
        if text_ch != ch:
            return False
        if (offset == 0 and open_left) or (offset == last and open_right):
            if text_count < count:
                return False
        elif text_count != count and text_count < _STRETCHED:
            return False
    return True


def _is_word(text: Runs, term: Runs, *, prefix: bool = False) -> bool:
    if not prefix and len(text) != len(term):
        return False
    return _fits_at(text, term, 0, open_left=False, open_right=prefix)


def _contains(text: Runs, term: Runs) -> bool:
    return any(
        _fits_at(text, term, start, open_left=True, open_right=True) for start in range(len(text) - len(term) + 1)
    )


def _tokens(words: list[str]) -> list[_Token]:
    """Tokens for matching; consecutive single characters are joined into one spelled-out token."""
    tokens: list[_Token] = []
    for is_single, group in itertools.groupby(words, key=lambda word: len(word) == 1):
        group = list(group)
        if is_single and len(group) > 1:
            tokens.append(_Token(_readings("".join(group)), spelled_out=True))
        else:
            tokens.extend(_Token(_readings(word), spelled_out=False) for word in group)
    return tokens


def _token_streams(prompt: str) -> Iterator[list[_Token]]:
    text = normalize_text(prompt)
    words = _WORD.findall(text)
    yield _tokens(words)
    # the same prompt with punctuation inside each word dropped: "k.i.l.l" and "ki-ll" become "kill"
    squashed = [joined for chunk in text.split() if (joined := "".join(_WORD.findall(chunk)))]
    if squashed != words:
        yield _tokens(squashed)


def _parse_term(text: str, category: str) -> _Term:
    prefix = text.endswith("*")
    words = _WORD.findall(normalize_text(text.removesuffix("*")))
    if not words:
        raise ValueError(f"blocked term {text!r} has no letters or digits to match")
    return _Term(
        text=text,
        category=category,
        words=tuple(_runs(word) for word in words),
        prefix=prefix,
        joined=_runs("".join(words)),
    )


class PromptFilter:
    """A word-list filter that refuses prompts containing blocked terms, however they are disguised."""

    def __init__(self, blocked_terms: Iterable[str], *, categories: Mapping[str, Iterable[str]] | None = None):
        grouped = [(GENERAL_CATEGORY, blocked_terms), *(categories or {}).items()]
        terms: dict[str, _Term] = {}
        for category, texts in grouped:
            for raw in texts:
                text = " ".join(raw.split())
                if text and text.casefold() not in terms:
                    terms[text.casefold()] = _parse_term(text, category)
        self._terms = tuple(terms.values())
        # a token can only start a match for terms that begin with its first letter
        self._by_first_letter: dict[str, list[_Term]] = {}
        for term in self._terms:
            self._by_first_letter.setdefault(term.words[0][0][0], []).append(term)

    def __len__(self) -> int:
        return len(self._terms)

    def check(self, prompt: str) -> FilterVerdict:
        """Allow the prompt, or refuse it naming the category and the blocked term it contains."""
        for stream in _token_streams(prompt):
            term = self._first_match(stream)
            if term is not None:
                category = term.category.replace("_", " ")
                return FilterVerdict(
                    allowed=False,
                    category=term.category,
                    matched=term.text,
                    reason=(
                        f"Your prompt was refused because it contains a blocked term "
                        f"({category}: “{term.shown}”). Reword it and try again."
                    ),
                )
        return FilterVerdict(allowed=True)

    def _first_match(self, stream: list[_Token]) -> _Term | None:
        for position, token in enumerate(stream):
            if token.spelled_out:
                for term in self._terms:
                    if any(_contains(reading, term.joined) for reading in token.readings):
                        return term
            for reading in token.readings:
                for term in self._by_first_letter.get(reading[0][0], ()):
                    if self._matches_from(stream, position, term) or (
                        len(term.words) > 1 and _is_word(reading, term.joined, prefix=term.prefix)
                    ):
                        return term
        return None

    @staticmethod
    def _matches_from(stream: list[_Token], position: int, term: _Term) -> bool:
        if position + len(term.words) > len(stream):
            return False
        last = len(term.words) - 1
        return all(
            any(_is_word(reading, word, prefix=term.prefix and index == last) for reading in stream[position + index].readings)
            for index, word in enumerate(term.words)
        )


def parse_term_lines(lines: Iterable[str]) -> dict[str, list[str]]:
    """Terms grouped by category from lines like ``gore: behead``; "#" starts a comment, no category means general."""
    categories: dict[str, list[str]] = {}
    for line in lines:
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        category, term = entry.split(":", 1) if ":" in entry else ("", entry)
        category = "_".join(category.lower().split()) or GENERAL_CATEGORY
        if term.strip():
            categories.setdefault(category, []).append(term.strip())
    return categories


def load_filter(path: str | Path | None = None, extra_terms: Iterable[str] = ()) -> PromptFilter:
    """A PromptFilter from a term file (the shipped ``blocked_terms.txt`` when ``path`` is None) plus extra terms.

    Extra terms use the file's line format, so "hate: some phrase" picks a category.
    """
    source = Path(path) if path else DEFAULT_TERMS_PATH
    lines = source.read_text(encoding="utf-8").splitlines()
    return PromptFilter((), categories=parse_term_lines([*lines, *extra_terms]))


def configured_filter() -> PromptFilter:
    """The app's filter: ``BLOCKED_TERMS_FILE`` (or the shipped list) plus ``BLOCKED_TERMS_EXTRA``, loaded once."""
    cfg = current_app.config
    return _cached_filter(cfg.get("BLOCKED_TERMS_FILE"), tuple(cfg.get("BLOCKED_TERMS_EXTRA", ())))


@lru_cache(maxsize=4)
def _cached_filter(path: str | None, extra: tuple[str, ...]) -> PromptFilter:
    return load_filter(Path(path) if path else None, extra)
