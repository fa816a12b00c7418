"""Password policy: long enough, not a well-known password, not your own name."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
_TRIVIAL_BASES = ("password", "qwerty", "letmein", "welcome", "iloveyou", "admin", "abc123", "123456")


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text().splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, min_length: int, username: str = "", email: str = "") -> str | None:
    """Why this password is refused, or None when it is acceptable."""
    if len(password) < min_length:
        return f"Use at least {min_length} characters."
    lowered = password.lower()
    stripped = re.sub(r"[\d\W_]+$", "", lowered)
    if lowered in common_passwords() or stripped in _TRIVIAL_BASES or len(set(lowered)) <= 2:
        return "That password is too common and easy to guess. Choose something less predictable."
    for own in (username.lower(), email.lower().split("@")[0]):
        if own and len(own) >= 3 and own in lowered:
            return "Don't use your username or email in your password."
    return None
