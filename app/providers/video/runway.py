"""Runway's developer API (https://docs.dev.runwayml.com), API version 2024-11-06.

A continuation (a request with ``first_frame``) goes to ``POST /v1/image_to_video`` with
the parent's last frame as a data URI and ``model`` (RUNWAY_MODEL); a first segment has no
frame, so it goes to ``POST /v1/text_to_video`` with ``text_model`` (RUNWAY_TEXT_MODEL, default
``gen4.5``, which also takes a seed). Both answer ``{"id"}``; ``GET /v1/tasks/{id}`` is polled
until the task ends.

Runway's API has no idempotency key and no way to list tasks (only ``GET`` and ``DELETE
/v1/tasks/{id}``), so a create whose answer never arrived cannot be reconciled: it is never
sent again automatically (see ``app.generation.stages``).

Failed tasks: ``failureCode`` containing a ``SAFETY`` segment (``SAFETY.*``,
``INPUT_PREPROCESSING.SAFETY.*``) or starting with ``INPUT``/``ASSET`` describes the
request itself and raises ``PermanentProviderError``; anything else (``INTERNAL.*``,
``INPUT_PREPROCESSING.INTERNAL``, no code at all) raises ``TransientProviderError`` whose
``code`` is the failure code (or ``"task_failed"``). Either way the task is over, so a
retry must ``start`` a new task rather than ``wait`` on the old id.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from app.providers.errors import PermanentProviderError, ProviderError, TaskEndedError
from app.providers.video.base import RenderRequest, TaskResult
from app.providers.video.remote import RemoteProvider
from app.providers.video.tasks import image_data_uri, nearest_duration, nearest_ratio

API_VERSION = "2024-11-06"
PROMPT_LIMIT = 1000  # UTF-16 code units, as Runway counts them
IMAGE_LIMIT = 5 * 1024 * 1024


@dataclass(frozen=True)
class ModelLimits:
    """What one Runway model accepts."""

    ratios: tuple[str, ...]
    durations: tuple[int, ...]
    takes_seed: bool = True


_LANDSCAPE_PORTRAIT = ("1280:720", "720:1280")
_GEN4_RATIOS = ("1280:720", "720:1280", "1104:832", "832:1104", "960:960", "1584:672")
_VEO_RATIOS = ("1280:720", "720:1280", "1920:1080", "1080:1920")

IMAGE_MODELS = {
    "gen4_turbo": ModelLimits(_GEN4_RATIOS, (5, 10)),
    "gen4.5": ModelLimits(_GEN4_RATIOS, tuple(range(2, 11))),
    "gen3a_turbo": ModelLimits(("1280:768", "768:1280"), (5, 10)),
}
TEXT_MODELS = {
    "gen4.5": ModelLimits(_LANDSCAPE_PORTRAIT, tuple(range(2, 11))),
    "veo3.1": ModelLimits(_VEO_RATIOS, (4, 6, 8), takes_seed=False),
    "veo3.1_fast": ModelLimits(_VEO_RATIOS, (4, 6, 8), takes_seed=False),
    "veo3": ModelLimits(_VEO_RATIOS, (8,), takes_seed=False),
}


def fit_prompt(text: str, limit: int = PROMPT_LIMIT) -> str:
    """``text`` cut to ``limit`` UTF-16 code units, at a word boundary when one is near,
    never inside a surrogate pair."""
    text = " ".join(text.split())
    if len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    units, end = 0, 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            break
        end = index + 1
    cut = text[:end]
    space = cut.rfind(" ")
    if space >= end - 80:
        cut = cut[:space]
    return cut.rstrip(" ,;:-")


class RunwayProvider(RemoteProvider):
    """Renders through Runway: image-to-video for continuations, text-to-video for first segments."""

    name = "runway"
    label = "Runway"
    key_setting = "RUNWAY_API_KEY"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = "https://api.dev.runwayml.com",
        model: str = "gen4_turbo",
        text_model: str = "gen4.5",
        poll_interval: float = 6.0,
        **options: Any,
    ):
        super().__init__(api_key, base_url=base_url, model=model, poll_interval=poll_interval, **options)
        self.text_model = text_model

    # -- the VideoProvider interface ---------------------------------------------------

    def start(self, request: RenderRequest) -> str:
        path, body = self.task_body(request)
        response = self.http.call(
            "POST", self.base_url + path, json=body, headers=self._headers(), idempotent=False
        )
        answer = self.http.json(response, "the new task")
        task_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(task_id, str) or not task_id:
            raise ProviderError("Runway accepted the render but sent no task id.", code="bad_response")
        return task_id

    # -- request building --------------------------------------------------------------

    def task_body(self, request: RenderRequest) -> tuple[str, dict[str, Any]]:
        """The endpoint path and camelCase JSON body for ``request``."""
        prompt = fit_prompt(request.prompt)
        if request.first_frame:
            path, model = "/v1/image_to_video", self.model
            limits = IMAGE_MODELS.get(model, IMAGE_MODELS["gen4_turbo"])
        elif prompt:
            path, model = "/v1/text_to_video", self.text_model
            limits = TEXT_MODELS.get(model, TEXT_MODELS["gen4.5"])
        else:
            raise PermanentProviderError("A first segment needs a prompt to render from.", code="empty_prompt")
        body: dict[str, Any] = {
            "model": model,
            "ratio": nearest_ratio(request.width, request.height, limits.ratios),
            "duration": nearest_duration(request.duration, limits.durations),
        }
        if prompt:
            body["promptText"] = prompt
        if limits.takes_seed:
            body["seed"] = request.seed % 2**32
        if request.first_frame:
            if len(request.first_frame) * 4 / 3 > IMAGE_LIMIT:
                raise PermanentProviderError(
                    "The reference frame is larger than the 5 MB Runway accepts.", code="image_too_large"
                )
            body["promptImage"] = image_data_uri(request.first_frame)
        return path, body

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.api_key}",
            "X-Runway-Version": API_VERSION,
            "Accept": "application/json",
        }

    def _task_url(self, task_id: str) -> str:
        return f"{self.base_url}/v1/tasks/{quote(task_id, safe='')}"

    def _interpret(self, task_id: str, task: dict[str, Any], elapsed: float) -> tuple[TaskResult | None, float, str]:
        status = task.get("status")
        if status == "SUCCEEDED":
            return TaskResult(task_id, self._output_url(task_id, task)), 1.0, "rendered at the provider"
        if status in ("PENDING", "THROTTLED"):
            return None, 0.0, "waiting in the provider's queue"
        if status == "RUNNING":
            progress = task.get("progress")
            fraction = min(max(float(progress), 0.0), 1.0) if isinstance(progress, (int, float)) else 0.0
            return None, fraction, f"rendering at the provider: {round(fraction * 100)}%"
        if status == "FAILED":
            raise self._failure(task)
        if status == "CANCELLED":
            raise PermanentProviderError(f"The Runway task {task_id} was cancelled.", code="cancelled")
        raise ProviderError(f"Runway reported an unknown status {status!r} for task {task_id}.", code="bad_response")

    @staticmethod
    def _output_url(task_id: str, task: dict[str, Any]) -> str:
        output = task.get("output")
        if isinstance(output, list) and output and isinstance(output[0], str) and output[0]:
            return output[0]
        raise ProviderError(f"Runway finished task {task_id} but listed no video to download.", code="bad_response")

    @staticmethod
    def _failure(task: dict[str, Any]) -> ProviderError:
        code = task.get("failureCode")
        failure = task.get("failure")
        message = failure if isinstance(failure, str) and failure else "Runway could not render this segment."
        if not isinstance(code, str) or not code:
            return TaskEndedError(message, code="task_failed")
        parts = code.upper().split(".")
        if "SAFETY" in parts or parts[0] in ("INPUT", "ASSET"):
            return PermanentProviderError(message, code=code)
        return TaskEndedError(message, code=code)
