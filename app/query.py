"""Ids read from URLs and query strings: what is not a database id reads as absent, never as an error."""
from __future__ import annotations

#: the largest id a database integer column holds (PostgreSQL bigint, SQLite INTEGER)
MAX_ID = 2**63 - 1


def parse_id(text: str | None) -> int | None:
    """The id in ``text`` ("42"), or None when it is missing, not a plain number, 0 or past ``MAX_ID``."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None
