"""A stand-in for Runway's API (version 2024-11-06) on 127.0.0.1.

Speaks ``POST /v1/image_to_video``, ``POST /v1/text_to_video``, ``GET`` and ``DELETE
/v1/tasks/{id}``; output links point back at the stub (``/outputs/{token}.mp4``) and
serve a real MP4. Requires ``Authorization: Bearer <api_key>`` (401 otherwise) and
``X-Runway-Version: 2024-11-06`` (400 otherwise), and validates bodies like Runway does.

A task is THROTTLED for its first ``throttled_seconds`` and then its first ``throttled_polls``
polls, then PENDING, RUNNING with rising ``progress``, and SUCCEEDED on poll number
``throttled_polls + polls_to_succeed``. ``DELETE`` cancels an unfinished task (it then answers
CANCELLED). Output links can expire (``output_ttl``) during slow downloads (``download_seconds``,
``slow_downloads``); ``completed_downloads`` counts the downloads sent whole, per task.
Prompt triggers: ``[[safety]]`` fails the task with ``SAFETY.INPUT.TEXT``,
``[[internal]]`` with ``INTERNAL.BAD_OUTPUT.CODE01``. ``nonsense`` makes the API answer
garbage: "not_json", "wrong_shape", "unknown_status" or "no_output".

    python -m tests.stubs.runway_stub --port 8101 [--api-key KEY] [--polls 3] [--flaky 0.3]
"""
from __future__ import annotations

import argparse
import base64
import binascii
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tests.stubs.common import StubServer, StubSettings, command_line, json_response

API_VERSION = "2024-11-06"
SAFETY_TRIGGER = "[[safety]]"
INTERNAL_TRIGGER = "[[internal]]"
_GEN4 = {"1280:720", "720:1280", "1104:832", "832:1104", "960:960", "1584:672"}
_VEO = {"1280:720", "720:1280", "1920:1080", "1080:1920"}
IMAGE_MODELS = {
    "gen4_turbo": (_GEN4, {5, 10}),
    "gen4.5": (_GEN4, set(range(2, 11))),
    "gen3a_turbo": ({"1280:768", "768:1280"}, {5, 10}),
}
TEXT_MODELS = {
    "gen4.5": ({"1280:720", "720:1280"}, set(range(2, 11))),
    "veo3.1": (_VEO, {4, 6, 8}),
    "veo3.1_fast": (_VEO, {4, 6, 8}),
    "veo3": (_VEO, {8}),
}
_DATA_URI = re.compile(r"^data:image/(?:jpeg|jpg|png|webp);base64,(.+)$", re.DOTALL)


@dataclass
class RunwaySettings(StubSettings):
    polls_to_succeed: int = 3
    throttled_polls: int = 0
    #: a new task stays THROTTLED (over the concurrency limit) for this many seconds, however often it is polled
    throttled_seconds: float = 0.0
    #: None, or "not_json" | "wrong_shape" | "unknown_status" | "no_output"
    nonsense: str | None = None
    flaky_kinds: tuple[int | str, ...] = (429, 503, "throttled")


@dataclass
class StubTask:
    id: str
    body: dict[str, Any]
    created_at: str
    throttled_polls: int
    created: float = field(default_factory=time.monotonic)
    polls: int = 0
    cancelled: bool = False
    output_token: str | None = None
    failure: tuple[str, str] | None = None


class RunwayStub(StubServer):
    """Runway's developer API, scriptable through ``settings`` (see ``configure``)."""

    settings: RunwaySettings
    settings_class = RunwaySettings
    url_map = Map(
        [
            Rule("/v1/image_to_video", endpoint="create_image_to_video", methods=["POST"]),
            Rule("/v1/text_to_video", endpoint="create_text_to_video", methods=["POST"]),
            Rule("/v1/tasks/<task_id>", endpoint="get_task", methods=["GET"]),
            Rule("/v1/tasks/<task_id>", endpoint="delete_task", methods=["DELETE"]),
            Rule("/outputs/<token>.mp4", endpoint="serve_output", methods=["GET"]),
        ]
    )

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.tasks: dict[str, StubTask] = {}

    def check_auth(self, request: Request) -> Response | None:
        refusal = super().check_auth(request)
        if refusal is not None:
            return refusal
        version = request.headers.get("X-Runway-Version")
        if version != API_VERSION:
            problem = "is required" if version is None else f"must be {API_VERSION}, not {version!r}"
            return json_response({"error": f"The X-Runway-Version header {problem}."}, 400)
        return None

    # -- task creation ---------------------------------------------------------------

    def create_image_to_video(self, request: Request) -> Response:
        return self._create(request, IMAGE_MODELS, needs_image=True)

    def create_text_to_video(self, request: Request) -> Response:
        return self._create(request, TEXT_MODELS, needs_image=False)

    def _create(self, request: Request, models: dict[str, tuple[set[str], set[int]]], *, needs_image: bool) -> Response:
        if self.settings.nonsense in ("not_json", "wrong_shape"):
            return self._nonsense()
        body = request.get_json(silent=True)
        problem = self._invalid(body, models, needs_image)
        if problem:
            return json_response({"error": problem}, 400)
        throttled = self.settings.throttled_polls
        if request.environ.get("stub.failure") == "throttled":
            throttled += 2  # over the concurrency limit: accepted, but queued as THROTTLED
        prompt = body.get("promptText", "")
        failure = None
        if SAFETY_TRIGGER in prompt:
            failure = ("SAFETY.INPUT.TEXT", "The prompt text did not pass content moderation.")
        elif INTERNAL_TRIGGER in prompt:
            failure = ("INTERNAL.BAD_OUTPUT.CODE01", "The generation failed because of an internal error.")
        task = StubTask(
            id=secrets.token_hex(16),
            body=body,
            created_at=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            throttled_polls=throttled,
            failure=failure,
        )
        with self.lock:
            self.tasks[task.id] = task
            self.creations[(prompt, body.get("seed"))] += 1
        return json_response({"id": task.id})

    @staticmethod
    def _invalid(body: Any, models: dict[str, tuple[set[str], set[int]]], needs_image: bool) -> str | None:
        if not isinstance(body, dict):
            return "The request body must be a JSON object."
        model = body.get("model")
        if model not in models:
            return f"model must be one of {sorted(models)}."
        ratios, durations = models[model]
        prompt = body.get("promptText")
        if prompt is not None and (not isinstance(prompt, str) or not prompt.strip()):
            return "promptText must be a non-empty string."
        if prompt is not None and len(prompt.encode("utf-16-le")) // 2 > 1000:
            return "promptText must be at most 1000 characters."
        if not needs_image and prompt is None:
            return "promptText is required."
        if body.get("ratio") not in ratios:
            return f"ratio must be one of {sorted(ratios)} for {model}."
        duration = body.get("duration", min(durations))
        if not isinstance(duration, int) or duration not in durations:
            return f"duration must be one of {sorted(durations)} for {model}."
        seed = body.get("seed")
        if seed is not None and (not isinstance(seed, int) or not 0 <= seed <= 4294967295):
            return "seed must be an integer between 0 and 4294967295."
        if needs_image:
            return RunwayStub._invalid_image(body.get("promptImage"))
        return None

    @staticmethod
    def _invalid_image(image: Any) -> str | None:
        if isinstance(image, list):
            if not image or not all(isinstance(i, dict) and i.get("position") in ("first", "last") for i in image):
                return "promptImage entries must be {uri, position: first|last}."
            image = image[0].get("uri")
        if not isinstance(image, str):
            return "promptImage is required."
        if image.startswith("https://"):
            return None
        match = _DATA_URI.match(image)
        if not match:
            return "promptImage must be an HTTPS URL or a data:image/...;base64 URI."
        if len(image) > 5 * 1024 * 1024:
            return "promptImage is larger than 5MB."
        try:
            base64.b64decode(match.group(1), validate=True)
        except binascii.Error:
            return "promptImage is not valid base64."
        return None

    # -- task state ------------------------------------------------------------------

    def get_task(self, request: Request, task_id: str) -> Response:
        if self.settings.nonsense in ("not_json", "wrong_shape"):
            return self._nonsense()
        with self.lock:
            task = self.tasks.get(task_id)
            if task is None:
                return json_response({"error": "Task not found."}, 404)
            if request.environ.get("stub.failure") == "throttled":
                if task.polls > task.throttled_polls:  # a started task is never throttled again
                    return self.transient_failure(503, self.settings.retry_after)
                return json_response(self._describe(task, "THROTTLED"))
            if not task.cancelled and time.monotonic() - task.created < self.settings.throttled_seconds:
                return json_response(self._describe(task, "THROTTLED"))
            task.polls += 1
            return json_response(self._describe(task, self._status(task)))

    def _status(self, task: StubTask) -> str:
        if task.cancelled:
            return "CANCELLED"
        step = task.polls - task.throttled_polls
        if step <= 0:
            return "THROTTLED"
        if task.failure:
            return "FAILED"
        if step >= self.settings.polls_to_succeed:
            return "SUCCEEDED"
        return "PENDING" if step == 1 else "RUNNING"

    def _describe(self, task: StubTask, status: str) -> dict[str, Any]:
        answer: dict[str, Any] = {"id": task.id, "status": status, "createdAt": task.created_at}
        nonsense = self.settings.nonsense
        if nonsense == "unknown_status":
            answer["status"] = "EXPLODED"
        elif status == "RUNNING":
            step = task.polls - task.throttled_polls
            answer["progress"] = round((step - 1) / max(1, self.settings.polls_to_succeed - 1), 2)
        elif status == "FAILED" and task.failure:
            answer["failureCode"], answer["failure"] = task.failure
        elif status == "SUCCEEDED":
            if nonsense == "no_output":
                answer["output"] = "not-a-list"
            else:
                task.output_token = self.issue_output(task.id, task.body.get("duration", 5), task.output_token)
                answer["output"] = [self.output_url(task.output_token)]
        return answer

    def delete_task(self, request: Request, task_id: str) -> Response:
        """Cancels an unfinished task; deletes a finished one (it then answers 404)."""
        with self.lock:
            task = self.tasks.get(task_id)
            if task is None:
                return json_response({"error": "Task not found."}, 404)
            if self._status(task) in ("SUCCEEDED", "FAILED", "CANCELLED"):
                del self.tasks[task_id]
            else:
                task.cancelled = True
        return Response(status=204)

    def _nonsense(self) -> Response:
        if self.settings.nonsense == "wrong_shape":
            return json_response(["this", "is", "not", "a", "task"])
        return Response("<html><body>502 Bad Gateway (but sent as 200)</body></html>", mimetype="text/html")

    # -- command line ----------------------------------------------------------------

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--polls", type=int, default=3, help="polls until a task succeeds")
        parser.add_argument("--throttled", type=int, default=0, help="polls a task stays THROTTLED first")

    def apply_arguments(self, args: argparse.Namespace) -> None:
        self.configure(polls_to_succeed=args.polls, throttled_polls=args.throttled)


def main(argv: list[str] | None = None) -> None:
    command_line(RunwayStub, "Runway API stub", argv)


if __name__ == "__main__":
    main()
