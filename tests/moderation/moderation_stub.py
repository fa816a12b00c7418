"""A stand-in for an OpenAI-compatible moderation server: ``POST /v1/moderations`` with text and image input.

Its "model" is deterministic: a text scores ``harassment`` 0.97 when it contains one of a few insults,
else 0.01; an image scores ``sexual`` by the share of its pixels in the skin-tone range the test figures
use (0.9 at a quarter of the picture or more). ``mode="outage"`` answers 503 to every call.
"""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np
from PIL import Image
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tests.stubs.common import StubServer, StubSettings, json_response

INSULTS = ("idiot", "worthless", "stupid")
CATEGORIES = ("harassment", "hate", "sexual", "sexual/minors", "violence", "self-harm")


@dataclass
class ModerationSettings(StubSettings):
    mode: str = "normal"


class ModerationStub(StubServer):
    settings: ModerationSettings
    settings_class = ModerationSettings
    url_map = Map([Rule("/v1/moderations", endpoint="moderate", methods=["POST"])])

    @property
    def api_url(self) -> str:
        return f"{self.url}/v1"

    def wsgi_app(self, environ, start_response):
        request = Request(environ)
        body = request.get_json(silent=True)
        with self.lock:
            self.requests.append(_recorded(request, body))
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return json_response({"error": {"message": "bad key"}}, 401)(environ, start_response)
        if self.settings.mode == "outage":
            return Response("<html>down</html>", 503, content_type="text/html")(environ, start_response)
        inputs = body.get("input") if isinstance(body, dict) else None
        if not isinstance(inputs, list) or not inputs:
            return json_response({"error": {"message": "input must be a non-empty array"}}, 400)(environ, start_response)
        if all(isinstance(i, str) for i in inputs):
            results = [_result(_text_scores(i)) for i in inputs]
        else:  # multi-modal input: one result for the whole array
            scores = dict.fromkeys(CATEGORIES, 0.0)
            for part in inputs:
                part_scores = _image_scores(part["image_url"]["url"]) if part.get("type") == "image_url" else _text_scores(part.get("text", ""))
                scores = {c: max(scores[c], part_scores[c]) for c in CATEGORIES}
            results = [_result(scores)]
        return json_response({"id": "modr-stub", "model": body.get("model"), "results": results})(environ, start_response)


def _recorded(request, body):
    from tests.stubs.common import RecordedRequest

    return RecordedRequest(request.method, request.path, dict(request.headers), body)


def _result(scores: dict) -> dict:
    return {"flagged": any(v > 0.5 for v in scores.values()), "categories": {c: v > 0.5 for c, v in scores.items()},
            "category_scores": scores}


def _text_scores(text: str) -> dict:
    scores = dict.fromkeys(CATEGORIES, 0.01)
    if any(word in text.lower() for word in INSULTS):
        scores["harassment"] = 0.97
    return scores


def _image_scores(url: str) -> dict:
    data = base64.b64decode(url.split(",", 1)[1])
    rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    skin = ((r > 170) & (r < 245) & (g > 130) & (g < 195) & (b > 100) & (b < 170)).mean()
    scores = dict.fromkeys(CATEGORIES, 0.01)
    scores["sexual"] = round(min(0.9, 0.9 * skin / 0.25), 4) if skin > 0.02 else 0.01
    return scores
