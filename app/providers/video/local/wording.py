"""Reading the words of the Bible's entities: their attributes, names and the words that pick a drawing."""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any


def attributes_of(entity: dict[str, Any]) -> dict[str, str]:
    raw = entity.get("attributes") or {}
    return {str(k).strip().lower(): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def words_of(entity: dict[str, Any] | None) -> str:
    if not entity:
        return ""
    parts: Iterable[str] = [str(entity.get("name") or ""), *(f"{k} {v}" for k, v in attributes_of(entity).items())]
    return " ".join(parts).lower()


def first_word(text: str, table: dict[str, str]) -> str | None:
    for word in re.findall(r"[a-z]+", str(text).lower()):
        if word in table:
            return table[word]
    return None


def has_any(text: str, *words: str) -> bool:
    return any(re.search(rf"\b{word}s?\b", text) for word in words)
