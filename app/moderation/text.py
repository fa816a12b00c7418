"""Offensive language in prompts: alt-profanity-check's linear model (shipped in its wheel)."""
from __future__ import annotations

from functools import cache


@cache
def _model():
    from profanity_check import predict_prob  # scikit-learn loads on first use, not at import

    return predict_prob


def offensive_probability(texts: list[str]) -> list[float]:
    """For each text, the model's probability (0..1) that it is offensive; empty texts score 0."""
    scores = _model()([t or "" for t in texts])
    return [round(float(s), 4) if t else 0.0 for s, t in zip(scores, texts, strict=True)]
