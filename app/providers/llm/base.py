"""The one interface every prompt expander speaks."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Expansion:
    """An expanded prompt plus what the expander noticed.

    ``mentions``: [{"text": "Mara's", "name": "Mara", "kind": "character"}]
    ``proposed_changes``: [{"entity": "Mara", "op": "set_attribute", "key": "hair", "value": "blonde"}]
    """

    expanded_prompt: str
    mentions: list[dict[str, Any]] = field(default_factory=list)
    proposed_changes: list[dict[str, Any]] = field(default_factory=list)
    #: the expander that wrote this when it is not the configured one (see ``FallbackExpander``)
    expander: str | None = None
    #: why the configured expander did not write it
    fallback_reason: str | None = None


class ExpanderError(Exception):
    """The expander failed or answered something unusable."""

    def __init__(self, message: str, transient: bool = False):
        super().__init__(message)
        self.message = message
        self.transient = transient


class PromptExpander(ABC):
    name: str = "base"

    @abstractmethod
    def expand(self, prompt: str, context: dict[str, Any]) -> Expansion:
        """Expand ``prompt``. ``context`` carries {"injected": [descriptor lines in
        order], "style": str | None, "location": str | None, "previous_prompt": str | None}."""
