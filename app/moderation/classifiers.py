"""Who scores frames and prompts: the local models (default), or an OpenAI-compatible ``/v1/moderations``.

Both answer the same two questions — for each frame, its strongest explicit label and score; for
each text, a 0..1 score that it is offensive — so the review stage never asks which one it has.
A remote moderator that fails (network, HTTP error, an answer of the wrong shape) hands the work
to the local models and says so in the stored record.
"""
from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

import requests

from app.moderation import frames, text

log = logging.getLogger(__name__)
#: the categories of OpenAI's moderation model that count as explicit in a frame
SEXUAL_CATEGORIES = ("sexual", "sexual/minors")


class ModeratorUnavailable(Exception):
    """The remote moderator did not give a usable answer."""


class LocalModerator:
    """NudeNet for frames and alt-profanity-check for text, both shipped in their wheels."""

    name = "local"
    fallback_reason: str | None = None

    def score_frames(self, paths: list[Path]) -> list[tuple[str | None, float]]:
        return [frames.score_frame(path) for path in paths]

    def score_texts(self, texts: list[str]) -> list[float]:
        return text.offensive_probability(texts)


class OpenAIModerator:
    """An OpenAI-compatible moderation endpoint (``POST {base}/moderations``) with text and image input."""

    name = "openai"

    def __init__(self, base_url: str, api_key: str | None, model: str, *, timeout: float = 20.0):
        self.url = base_url.rstrip("/") + "/moderations"
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.model = model
        self.timeout = timeout

    def score_frames(self, paths: list[Path]) -> list[tuple[str | None, float]]:
        scores = []
        for path in paths:
            image = "data:image/jpeg;base64," + base64.b64encode(Path(path).read_bytes()).decode()
            (result,) = self._moderate([{"type": "image_url", "image_url": {"url": image}}], expect=1)
            label, score = max(((c, float(result.get(c, 0.0))) for c in SEXUAL_CATEGORIES), key=lambda p: p[1])
            scores.append((label if score > 0 else None, round(score, 4)))
        return scores

    def score_texts(self, texts: list[str]) -> list[float]:
        present = [t for t in texts if t]
        results = iter(self._moderate(present, expect=len(present)) if present else [])
        return [round(max((float(v) for v in next(results).values()), default=0.0), 4) if t else 0.0 for t in texts]

    def _moderate(self, inputs: list, expect: int) -> list[dict]:
        try:
            response = requests.post(self.url, json={"model": self.model, "input": inputs}, headers=self.headers,
                                     timeout=self.timeout)
            response.raise_for_status()
            results = response.json()["results"]
            scores = [r["category_scores"] for r in results]
        except (requests.RequestException, ValueError, KeyError, TypeError) as err:
            raise ModeratorUnavailable(f"{type(err).__name__}: {err}"[:200]) from err
        if len(scores) != expect or not all(isinstance(s, dict) for s in scores):
            raise ModeratorUnavailable(f"expected {expect} results, got {len(scores)}")
        return scores


class FallbackModerator:
    """The remote moderator, with the local models standing in whenever it fails."""

    def __init__(self, remote: OpenAIModerator, local: LocalModerator):
        self.remote, self.local = remote, local
        self.name = remote.name
        self.fallback_reason: str | None = None

    def score_frames(self, paths):
        return self._either("score_frames", paths)

    def score_texts(self, texts):
        return self._either("score_texts", texts)

    def _either(self, method: str, arg):
        try:
            return getattr(self.remote, method)(arg)
        except ModeratorUnavailable as err:
            log.warning("remote moderator failed (%s); the local models score instead", err)
            self.fallback_reason = str(err)
            return getattr(self.local, method)(arg)


def warm_up() -> None:
    """Load the local models now (about 5 s on one core), so the first review doesn't wait for them."""
    try:
        frames._detector()
        text._model()
    except Exception:  # noqa: BLE001 - the review stage loads them again and reports a real failure there
        log.warning("could not load the local moderation models ahead of time", exc_info=True)


def wait_for_models(on_wait: Callable[[], None]) -> None:
    """Load the local models in a helper thread, calling ``on_wait`` about every half second until they are
    ready (a generation keeps its heartbeat while a fresh worker loads them)."""
    if frames._detector.cache_info().currsize and text._model.cache_info().currsize:
        return
    loader = threading.Thread(target=warm_up, daemon=True, name="moderation-models")
    loader.start()
    while loader.is_alive():
        loader.join(0.5)
        on_wait()


def moderator(cfg: Mapping):
    """The configured moderator (MODERATION_PROVIDER: local, or openai with the local models as its fallback)."""
    if cfg["MODERATION_PROVIDER"] == "local":
        return LocalModerator()
    if cfg["MODERATION_PROVIDER"] != "openai":
        raise ValueError(f"unknown MODERATION_PROVIDER {cfg['MODERATION_PROVIDER']!r}; use local or openai")
    remote = OpenAIModerator(cfg["MODERATION_BASE_URL"], cfg["MODERATION_API_KEY"], cfg["MODERATION_MODEL"],
                             timeout=cfg["MODERATION_TIMEOUT"])
    return FallbackModerator(remote, LocalModerator())
