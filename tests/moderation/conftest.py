"""Prompt-filter fixtures: a small known word list, and the list the app ships with."""
from __future__ import annotations

import pytest

from app.moderation.prompt_filter import PromptFilter, load_filter


@pytest.fixture(scope="session")
def word_filter() -> PromptFilter:
    """A filter over a few terms chosen to exercise each matching rule."""
    return PromptFilter(
        ["ass"],
        categories={
            "violence": ["kill", "behead*"],
            "child_safety": ["child porn"],
            "hate": ["sieg heil"],
        },
    )


@pytest.fixture(scope="session")
def default_filter() -> PromptFilter:
    """The filter built from the shipped blocked_terms.txt."""
    return load_filter(None, ())
