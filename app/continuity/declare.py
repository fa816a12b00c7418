"""Entities an author declares before the first prompt: parsed from the new-scene form or the API."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from app.continuity.bible import KINDS, BibleError, Change, apply, fold

_ITEM = re.compile(r"^\s*(?P<value>.+?)\s+(?P<key>[A-Za-z][A-Za-z-]*)\s*$")


def parse_lines(text: str, kind: str) -> list[dict[str, Any]]:
    """``"Mara: red coat, blonde hair"`` lines → ``[{"kind", "name", "attributes": {"coat": "red", "hair": "blonde"}}]``.

    Each comma-separated item is "<value> <thing>"; an item of one word is ignored with the rest kept.
    """
    declared = []
    for line in (text or "").splitlines():
        name, _, details = line.partition(":")
        if not name.strip():
            continue
        attributes = {}
        for item in details.split(","):
            match = _ITEM.match(item)
            if match:
                attributes[match["key"].lower()] = match["value"].strip().lower()
        declared.append({"kind": kind, "name": " ".join(name.split())[:120], "attributes": attributes})
    return declared


def declared_changes(declared: Iterable[Mapping[str, Any]]) -> list[Change]:
    """Create and set_attribute changes (segment 0, stamped when saved) for declared entities, ids in order."""
    changes: list[Change] = []
    bible = fold([])
    for entry in declared:
        kind = entry.get("kind")
        if kind not in KINDS:
            raise BibleError(f"Declare a character, location, prop or style (not {kind!r}).")
        name = str(entry.get("name") or "").strip()
        if not name:
            raise BibleError(f"Give the {kind} a name.")
        entity_id = bible.next_id(kind)
        new = [Change.create(0, entity_id, kind, name)]
        new += [Change.set_attribute(0, entity_id, str(k), str(v)) for k, v in (entry.get("attributes") or {}).items()
                if str(k).strip() and str(v).strip()]
        bible = apply(bible, new)
        changes += new
    return changes
