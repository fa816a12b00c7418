"""Seeded chance: every choice the renderer makes comes from a hash, so a request draws the same way on every machine."""
from __future__ import annotations

import hashlib
import random
from typing import Any


def stable_int(*parts: Any) -> int:
    return int(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:12], 16)


def seeded_random(*parts: Any) -> random.Random:
    return random.Random(stable_int(*parts))
