"""Luma Dream Machine (https://docs.lumalabs.ai), ``/dream-machine/v1``.

``POST /generations/video`` creates a generation (HTTP 201), ``GET /generations/{id}``
follows it through ``queued`` → ``dreaming`` → ``completed`` | ``failed``, and
``DELETE /generations/{id}`` cancels it. Luma reports no percentage, so progress while
dreaming is an estimate from the elapsed time against ``expected_render_seconds``.

A continuation's first frame goes in ``keyframes.frame0`` as ``{"type": "image", "url"}``.
Luma fetches that URL itself, so it must be one Luma can reach: the request's
``first_frame_url`` (a presigned storage URL, or a signed absolute URL the app serves), else
``image_url_for(jpeg_bytes) -> public URL``. Without either the render is refused before
anything is sent: Luma's documentation does not promise to accept data URIs.

A ``failed`` generation whose ``failure_reason`` mentions moderation, safety, policy or an
invalid/unsupported request raises ``PermanentProviderError``; other reasons raise
``TransientProviderError(code="task_failed")``. Either way the generation is over, so a
retry must ``start`` a new one.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from app.providers.errors import PermanentProviderError, ProviderError, TaskEndedError
from app.providers.video.base import RenderRequest, TaskResult
from app.providers.video.remote import RemoteProvider
from app.providers.video.tasks import nearest_duration, nearest_ratio

ASPECT_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "9:21")
DURATIONS = (5, 9)
RESOLUTIONS = {540: "540p", 720: "720p"}
_MODERATION_REASON = re.compile(r"moderat|safety|policy|nsfw|inappropriate|not allowed", re.IGNORECASE)
_INVALID_REASON = re.compile(r"invalid|unsupported", re.IGNORECASE)


class LumaProvider(RemoteProvider):
    """Renders through Luma's Dream Machine API."""

    name = "luma"
    label = "Luma"
    task_noun = "generation"
    key_setting = "LUMA_API_KEY"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = "https://api.lumalabs.ai/dream-machine/v1",
        model: str = "ray-2",
        image_url_for: Callable[[bytes], str] | None = None,
        poll_interval: float = 5.0,
        expected_render_seconds: float = 90.0,
        **options: Any,
    ):
        super().__init__(api_key, base_url=base_url, model=model, poll_interval=poll_interval, **options)
        self.image_url_for = image_url_for
        self.expected_render_seconds = expected_render_seconds

    # -- the VideoProvider interface ---------------------------------------------------

    def start(self, request: RenderRequest) -> str:
        response = self.http.call(
            "POST",
            self.base_url + "/generations/video",
            json=self.generation_body(request),
            headers=self._headers(),
            idempotent=False,
        )
        answer = self.http.json(response, "the new generation")
        generation_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(generation_id, str) or not generation_id:
            raise ProviderError("Luma accepted the render but sent no generation id.", code="bad_response")
        return generation_id

    # -- request building --------------------------------------------------------------

    def generation_body(self, request: RenderRequest) -> dict[str, Any]:
        """The JSON body of ``POST /generations/video`` for ``request``."""
        if not request.prompt.strip():
            raise PermanentProviderError("A segment needs a prompt to render from.", code="empty_prompt")
        short_side = min(request.width, request.height)
        body: dict[str, Any] = {
            "model": self.model,
            "prompt": " ".join(request.prompt.split()),
            "aspect_ratio": nearest_ratio(request.width, request.height, ASPECT_RATIOS),
            "duration": f"{nearest_duration(request.duration, DURATIONS)}s",
            "resolution": RESOLUTIONS[min(RESOLUTIONS, key=lambda px: (abs(px - short_side), px))],
        }
        if request.first_frame:
            url = request.first_frame_url or (self.image_url_for(request.first_frame) if self.image_url_for else None)
            if not url:
                raise PermanentProviderError(
                    "Luma fetches a continuation's first frame itself, so it needs a URL it can reach: set "
                    "PUBLIC_BASE_URL to this site's public address, or keep media on S3.",
                    code="reference_unreachable",
                )
            body["keyframes"] = {"frame0": {"type": "image", "url": url}}
        return body

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}

    def _task_url(self, generation_id: str) -> str:
        return f"{self.base_url}/generations/{quote(generation_id, safe='')}"

    def _interpret(self, generation_id: str, generation: dict[str, Any], elapsed: float) -> tuple[TaskResult | None, float, str]:
        state = generation.get("state")
        if state == "completed":
            result = TaskResult(generation_id, self._video_url(generation_id, generation))
            return result, 1.0, "rendered at the provider"
        if state == "queued":
            return None, 0.0, "waiting in the provider's queue"
        if state == "dreaming":
            fraction = min(0.9, elapsed / self.expected_render_seconds) if self.expected_render_seconds > 0 else 0.0
            return None, round(fraction, 2), f"rendering at the provider ({round(elapsed)} s so far)"
        if state == "failed":
            reason = generation.get("failure_reason")
            message = reason if isinstance(reason, str) and reason else "Luma could not render this segment."
            if _MODERATION_REASON.search(message):
                raise PermanentProviderError(message, code="moderation")
            if _INVALID_REASON.search(message):
                raise PermanentProviderError(message, code="invalid_request")
            raise TaskEndedError(message, code="task_failed")
        raise ProviderError(
            f"Luma reported an unknown state {state!r} for generation {generation_id}.", code="bad_response"
        )

    @staticmethod
    def _video_url(generation_id: str, generation: dict[str, Any]) -> str:
        assets = generation.get("assets")
        video = assets.get("video") if isinstance(assets, dict) else None
        if isinstance(video, str) and video:
            return video
        raise ProviderError(
            f"Luma finished generation {generation_id} but listed no video to download.", code="bad_response"
        )
