"""Checking what people type before anything is queued."""
from __future__ import annotations

from flask import current_app

from app.moderation.prompt_filter import configured_filter
from app.text import TextRefused, clean_text


class PromptError(ValueError):
    """A prompt that cannot be used, with a message for its author."""

    def __init__(self, message: str, code: str = "invalid_prompt"):
        super().__init__(message)
        self.message = message
        self.code = code


def clean_prompt(raw: object) -> str:
    """The prompt as stored (``app.text.clean_text``: NFC, one line, trimmed), or PromptError when it is
    empty, too long, not plain text or refused by the filter."""
    try:
        text = clean_text(raw, "prompt")
    except TextRefused as err:
        raise PromptError(err.message, err.code) from None
    limit = current_app.config["PROMPT_MAX_CHARS"]
    if not text:
        raise PromptError("Write a prompt: describe what happens in this segment.", "empty_prompt")
    if len(text) > limit:
        raise PromptError(f"Keep the prompt to {limit} characters or fewer (it has {len(text)}).", "prompt_too_long")
    verdict = configured_filter().check(text)
    if not verdict.allowed:
        raise PromptError(verdict.reason, "prompt_refused")
    return text

