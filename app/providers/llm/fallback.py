"""An expander that degrades instead of failing: the configured one first, the local one when it fails."""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from app.providers.llm.base import ExpanderError, Expansion, PromptExpander

log = logging.getLogger(__name__)


class FallbackExpander(PromptExpander):
    """Expands with ``primary``; when it fails (an outage, an unreadable answer) ``fallback`` writes the
    expansion instead, which says so in ``expander`` and ``fallback_reason``. Never raises ExpanderError
    unless the fallback itself fails."""

    def __init__(self, primary: PromptExpander, fallback: PromptExpander):
        self.primary = primary
        self.fallback = fallback
        self.name = primary.name

    def expand(self, prompt: str, context: dict[str, Any]) -> Expansion:
        try:
            return self.primary.expand(prompt, context)
        except ExpanderError as err:
            log.warning("the %s expander failed (%s); the %s expander takes over", self.primary.name, err.message,
                        self.fallback.name)
            expansion = self.fallback.expand(prompt, context)
            return replace(expansion, expander=self.fallback.name,
                           fallback_reason=f"The language model was unavailable ({err.message})")
