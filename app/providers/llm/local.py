"""A deterministic, rule-based prompt expander: the default when no LLM is configured.

The same prompt and context always give the same expansion, which keeps tests stable
and lets the local video renderer read the result back.
"""
from __future__ import annotations

import re
from typing import Any

from app.providers.llm.base import Expansion, PromptExpander

# Capitalised runs such as "Mara", "Old Mill", "Captain Reyes's"
_NAME_RUN = re.compile(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
# Capitalised only because they start a sentence or are common words, never names
_NOT_NAMES = frozenset(
    {
        "a", "an", "the", "and", "but", "or", "so", "then", "when", "while", "as", "at", "in",
        "on", "into", "onto", "inside", "to", "from", "with", "without", "of", "for", "by",
        "after", "before", "later", "meanwhile", "suddenly", "slowly", "finally", "now", "here",
        "there", "this", "that", "these", "those", "it", "its", "he", "she", "they", "we", "you",
        "i", "his", "her", "their", "our", "my", "your", "someone", "something", "everyone",
        "nobody", "night", "day", "morning", "evening",
    }
)
_PLACE_WORDS = frozenset(
    {
        "in", "at", "into", "inside", "to", "toward", "towards", "through", "across", "from",
        "onto", "near", "outside",
    }
)


def sentence(text: str) -> str:
    """``text`` stripped and ending with sentence punctuation (a period only if missing);
    the words themselves are kept exactly, so descriptors stay verbatim."""
    text = text.strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text


def find_mentions(prompt: str) -> list[dict[str, Any]]:
    """Capitalised names in ``prompt`` as mentions, in order of first appearance.

    A name right after a place preposition ("into the Old Mill") is guessed to be a
    location, any other a character; the continuity engine links them for real.
    """
    mentions: list[dict[str, Any]] = []
    seen: set[str] = set()
    for match in _NAME_RUN.finditer(prompt):
        words = match.group(0).split()
        while words and words[0].lower().strip("'’") in _NOT_NAMES:
            words.pop(0)
        if not words:
            continue
        text = " ".join(words)
        name = _POSSESSIVE.sub("", text)
        if not name or name in seen:
            continue
        seen.add(name)
        start = match.start() + match.group(0).index(words[0])
        before = [w.lower().strip(",.;:") for w in prompt[:start].split()[-2:]]
        if before and before[-1] == "the":
            before.pop()
        is_place = bool(before) and before[-1] in _PLACE_WORDS
        mentions.append({"text": text, "name": name, "kind": "location" if is_place else "character"})
    return mentions


class LocalExpander(PromptExpander):
    """Builds ``"<style>. <location>. <injected descriptors> Action: <prompt>"`` from context."""

    name = "local"

    def expand(self, prompt: str, context: dict[str, Any]) -> Expansion:
        injected = [line.strip() for line in context.get("injected") or [] if line and line.strip()]
        parts: list[str] = []
        for key in ("style", "location"):
            line = (context.get(key) or "").strip()
            # the continuity engine may already inject the style/location descriptor itself
            if line and not any(line in item for item in injected):
                parts.append(sentence(line))
        parts.extend(sentence(line) for line in injected)
        parts.append("Action: " + sentence(" ".join(prompt.split())))
        return Expansion(expanded_prompt=" ".join(parts), mentions=find_mentions(prompt), proposed_changes=[])
