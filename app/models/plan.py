"""What the plan stage decided for a segment, as ``Segment.plan`` stores it (a JSON column).

A field that is None was not recorded and is left out of the JSON: a segment waiting to be
generated holds only what its writer declared; the plan stage writes the rest.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class SegmentPlan:
    #: the entities declared with a scene's first segment (``Change`` fields, see app.continuity.bible)
    declared: list[dict[str, Any]] | None = None
    #: the continuity check as the page shows it (``CheckResult.to_dict()``: links, injected entries, warnings)
    check: dict[str, Any] | None = None
    #: the Scene Bible snapshot the render is given ({"location", "characters", "props", "style", "action"})
    bible: dict[str, Any] | None = None
    #: entity ids present in the segment, so the next one keeps the place and style it doesn't name again
    linked: list[str] | None = None
    #: the Bible changes stored when the segment is published (``Change`` fields)
    changes: list[dict[str, Any]] | None = None
    #: which prompt expander wrote the expanded prompt, and why it fell back to it when it did
    expander: str | None = None
    expander_fallback: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> SegmentPlan:
        """The plan ``data`` stores (an empty plan for None); keys this class does not know are ignored."""
        data = data or {}
        return cls(**{f.name: data[f.name] for f in fields(cls) if data.get(f.name) is not None})

    def to_json(self) -> dict[str, Any]:
        """The JSON to store: every recorded field, in declaration order."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    @property
    def injected(self) -> list[dict[str, Any]]:
        """The Bible entries injected into the prompt, as the check recorded them."""
        return (self.check or {}).get("injected", [])

    @property
    def location_id(self) -> str | None:
        """The id of the place the Bible snapshot puts the segment in, if any."""
        return ((self.bible or {}).get("location") or {}).get("id")
