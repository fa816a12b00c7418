"""A stand-in for Luma's Dream Machine API (``/dream-machine/v1``) on 127.0.0.1.

Speaks ``POST /generations/video`` (201 with the Generation object), ``GET`` and
``DELETE /generations/{id}``; ``assets.video`` points back at the stub and serves a real
MP4. Requires ``Authorization: Bearer <api_key>`` (401 otherwise) and validates bodies.

A generation is ``queued`` for ``queued_polls`` polls, then ``dreaming``, and
``completed`` on poll number ``queued_polls + polls_to_succeed``. Prompt triggers:
``[[safety]]`` fails it with a moderation reason, ``[[internal]]`` with an internal one.
With ``fetch_keyframes`` the stub fetches each keyframe URL, as Luma does, and refuses the
generation when the URL does not answer with an image.

    python -m tests.stubs.luma_stub --port 8102 [--api-key KEY] [--polls 3] [--flaky 0.3]
"""
from __future__ import annotations

import argparse
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tests.stubs.common import StubServer, StubSettings, command_line, json_response

PREFIX = "/dream-machine/v1"
SAFETY_TRIGGER = "[[safety]]"
INTERNAL_TRIGGER = "[[internal]]"
MODELS = {"ray-2", "ray-flash-2", "ray-1-6"}
ASPECT_RATIOS = {"1:1", "16:9", "9:16", "4:3", "3:4", "21:9", "9:21"}
DURATIONS = {"5s", "9s"}
RESOLUTIONS = {"540p", "720p", "1080p", "4k"}


@dataclass
class LumaSettings(StubSettings):
    polls_to_succeed: int = 3
    queued_polls: int = 1
    #: Luma's documentation asks for image URLs; the stub also takes data URIs unless this is False
    accept_data_uris: bool = True
    #: fetch every keyframe URL as Luma would, refusing the generation when it does not answer with an image
    fetch_keyframes: bool = False


@dataclass
class StubGeneration:
    id: str
    body: dict[str, Any]
    created_at: str
    polls: int = 0
    failure_reason: str | None = None
    video_token: str | None = None


class LumaStub(StubServer):
    """Luma's Dream Machine API, scriptable through ``settings`` (see ``configure``)."""

    settings: LumaSettings
    settings_class = LumaSettings
    url_map = Map(
        [
            Rule(f"{PREFIX}/generations/video", endpoint="create_generation", methods=["POST"]),
            Rule(f"{PREFIX}/generations/<generation_id>", endpoint="get_generation", methods=["GET"]),
            Rule(f"{PREFIX}/generations/<generation_id>", endpoint="delete_generation", methods=["DELETE"]),
            Rule("/outputs/<token>.mp4", endpoint="serve_output", methods=["GET"]),
        ]
    )

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.generations: dict[str, StubGeneration] = {}
            #: (url, status, content type) of every keyframe fetched
            self.fetched_keyframes: list[tuple[str, int, str]] = []

    @property
    def api_url(self) -> str:
        """The base URL to give ``LumaProvider``."""
        return self.url + PREFIX

    def check_auth(self, request: Request) -> Response | None:
        refusal = super().check_auth(request)
        return None if refusal is None else json_response({"detail": "Invalid API key"}, 401)

    def transient_failure(self, status: int, retry_after: str | None) -> Response:
        headers = {"Retry-After": retry_after} if retry_after and status in (429, 503) else None
        detail = "Rate limit exceeded" if status == 429 else "Service unavailable"
        return json_response({"detail": detail}, status, headers)

    def create_generation(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        problem = self._invalid(body)
        if problem:
            return json_response({"detail": problem}, 400)
        prompt = body["prompt"]
        reason = None
        if SAFETY_TRIGGER in prompt:
            reason = "Prompt not allowed because it failed content moderation"
        elif INTERNAL_TRIGGER in prompt:
            reason = "Internal server error, please try again"
        generation = StubGeneration(
            id=str(uuid.uuid4()),
            body=body,
            created_at=datetime.now(UTC).isoformat(),
            failure_reason=reason,
        )
        with self.lock:
            self.generations[generation.id] = generation
            self.creations[(prompt, None)] += 1
            answer = self._describe(generation, "queued")
        return json_response(answer, 201)

    def _invalid(self, body: Any) -> str | None:
        if not isinstance(body, dict):
            return "The request body must be a JSON object."
        if body.get("model") not in MODELS:
            return f"model must be one of {sorted(MODELS)}"
        prompt = body.get("prompt")
        if not isinstance(prompt, str) or len(prompt.strip()) < 3:
            return "prompt must be a string of at least 3 characters"
        for key, allowed in (("aspect_ratio", ASPECT_RATIOS), ("duration", DURATIONS), ("resolution", RESOLUTIONS)):
            if key in body and body[key] not in allowed:
                return f"{key} must be one of {sorted(allowed)}"
        keyframes = body.get("keyframes")
        if keyframes is None:
            return None
        if not isinstance(keyframes, dict) or not set(keyframes) <= {"frame0", "frame1"}:
            return "keyframes must be an object with frame0 and/or frame1"
        for frame in keyframes.values():
            if not isinstance(frame, dict):
                return "each keyframe must be an object"
            if frame.get("type") == "generation" and isinstance(frame.get("id"), str):
                continue
            url = frame.get("url")
            if frame.get("type") != "image" or not isinstance(url, str):
                return "a keyframe must be {type: image, url} or {type: generation, id}"
            is_data_uri = url.startswith("data:image/")
            if not (url.startswith(("https://", "http://")) or (is_data_uri and self.settings.accept_data_uris)):
                return "keyframe url must be a publicly reachable image URL"
            if self.settings.fetch_keyframes and not is_data_uri and (problem := self._unfetchable(url)):
                return problem
        return None

    def _unfetchable(self, url: str) -> str | None:
        try:
            answer = requests.get(url, timeout=10)
        except requests.RequestException as exc:
            return f"keyframe url could not be fetched ({type(exc).__name__})"
        with self.lock:
            self.fetched_keyframes.append((url, answer.status_code, answer.headers.get("Content-Type", "")))
        if answer.status_code != 200 or not answer.headers.get("Content-Type", "").startswith("image/"):
            return f"keyframe url answered HTTP {answer.status_code} ({answer.headers.get('Content-Type')})"
        return None

    def get_generation(self, request: Request, generation_id: str) -> Response:
        with self.lock:
            generation = self.generations.get(generation_id)
            if generation is None:
                return json_response({"detail": "Generation not found"}, 404)
            if request.environ.get("stub.failure"):
                return self.transient_failure(503, self.settings.retry_after)
            generation.polls += 1
            return json_response(self._describe(generation, self._state(generation)))

    def _state(self, generation: StubGeneration) -> str:
        step = generation.polls - self.settings.queued_polls
        if step <= 0:
            return "queued"
        if generation.failure_reason:
            return "failed"
        return "completed" if step >= self.settings.polls_to_succeed else "dreaming"

    def _describe(self, generation: StubGeneration, state: str) -> dict[str, Any]:
        video = None
        if state == "completed":
            seconds = int(generation.body.get("duration", "5s").rstrip("s"))
            generation.video_token = self.issue_output(generation.id, seconds, generation.video_token)
            video = self.output_url(generation.video_token)
        return {
            "id": generation.id,
            "generation_type": "video",
            "state": state,
            "failure_reason": generation.failure_reason if state == "failed" else None,
            "created_at": generation.created_at,
            "assets": {"video": video, "image": None, "progress_video": None},
            "model": generation.body["model"],
            "request": {"generation_type": "video", **generation.body},
        }

    def delete_generation(self, request: Request, generation_id: str) -> Response:
        with self.lock:
            if self.generations.pop(generation_id, None) is None:
                return json_response({"detail": "Generation not found"}, 404)
        return Response(status=204)

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--polls", type=int, default=3, help="polls (after queueing) until a generation completes")
        parser.add_argument("--queued", type=int, default=1, help="polls a generation stays queued first")

    def apply_arguments(self, args: argparse.Namespace) -> None:
        self.configure(polls_to_succeed=args.polls, queued_polls=args.queued)


def main(argv: list[str] | None = None) -> None:
    command_line(LumaStub, "Luma Dream Machine API stub", argv)


if __name__ == "__main__":
    main()
