"""What the HTTP providers share: an API key, a client with backoff, polling a task, downloading its output."""
from __future__ import annotations

import random as _random
import time
from abc import abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from app.providers.errors import OutputExpiredError, ProviderError, TaskEndedError, TransientProviderError
from app.providers.http import HttpClient
from app.providers.video.base import ProgressCallback, RenderRequest, TaskResult, VideoProvider
from app.providers.video.tasks import poll_until_done


class RemoteProvider(VideoProvider):
    """A provider behind an HTTP API whose renders are tasks polled until they end.

    Subclasses say how to address a task (``_task_url``, ``_headers``) and how to
    read its state (``_interpret``); waiting, downloading (renewing expired output
    links through the task) and cancelling are the same for all of them.
    """

    #: the provider's name in messages ("Runway"), its word for a task, and the setting that holds its key
    label = "remote"
    task_noun = "task"
    key_setting = "API key"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str,
        model: str,
        poll_interval: float,
        max_wait: float = 900.0,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        max_attempts: int = 5,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = _random.random,
    ):
        if not api_key:
            raise ValueError(f"{type(self).__name__} needs an API key ({self.key_setting}).")
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.poll_interval = poll_interval
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock
        self.http = HttpClient(
            self.label,
            max_attempts=max_attempts,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
            timeout=(connect_timeout, read_timeout),
            session=session,
            sleep=sleep,
            random=random,
        )

    @abstractmethod
    def _headers(self) -> dict[str, str]:
        """Authentication and version headers for every call."""

    @abstractmethod
    def _task_url(self, task_id: str) -> str:
        """The URL that describes (GET) and cancels (DELETE) a task."""

    @abstractmethod
    def _interpret(self, task_id: str, task: dict[str, Any], elapsed: float) -> tuple[TaskResult | None, float, str]:
        """(result when done, fraction done, readable text) for a task's JSON; raises ProviderError when it failed."""

    def wait(self, task_id: str, request: RenderRequest, on_progress: ProgressCallback | None = None) -> TaskResult:
        return poll_until_done(
            lambda: self._get_task(task_id),
            lambda task, elapsed: self._interpret(task_id, task, elapsed),
            provider=self.label,
            task_id=task_id,
            poll_interval=self.poll_interval,
            max_wait=self.max_wait,
            sleep=self.sleep,
            clock=self.clock,
            on_progress=on_progress,
        )

    def fetch(self, result: TaskResult, dest: Path, on_progress: ProgressCallback | None = None) -> Path:
        """Download the output. A link that expired, before or during the download, is renewed by
        asking for the task again, as often as needed within ``max_wait``: a finished task is never
        given up while it still lists its output. ``OutputExpiredError`` means the task itself is
        gone or no longer finished, so only a new task can help."""
        url = result.output_url
        started = self.clock()
        renewals = 0
        while True:
            try:
                return self.http.download(url, dest, on_progress=on_progress)
            except OutputExpiredError as expired:
                if self.clock() - started > self.max_wait:
                    raise TransientProviderError(
                        f"{self.label}'s output links kept expiring before the download finished "
                        f"({renewals} renewed); the same {self.task_noun} will be downloaded later.",
                        code="download_failed",
                    ) from expired
                fresh = self._fresh_output_url(result.task_id)
                if fresh == url:  # the provider does not renew its links: only a new task has a video
                    raise
                url = fresh
                renewals += 1
                if on_progress is not None:
                    on_progress(0.0, f"the download link expired; downloading again from a new one ({renewals})")

    def cancel(self, task_id: str) -> None:
        self.http.call("DELETE", self._task_url(task_id), headers=self._headers(), accept=(404,)).close()

    def _get_task(self, task_id: str) -> dict[str, Any]:
        """The task's JSON. A task the provider no longer knows (404) raises ``TaskEndedError``: only a
        new task can give this render now."""
        response = self.http.call("GET", self._task_url(task_id), headers=self._headers(), accept=(404,))
        if response.status_code == 404:
            response.close()
            raise TaskEndedError(f"{self.label} no longer has {self.task_noun} {task_id}.", code="task_gone")
        task = self.http.json(response, f"{self.task_noun} {task_id}")
        if not isinstance(task, dict):
            raise ProviderError(
                f"{self.label} described {self.task_noun} {task_id} in an unexpected shape.", code="bad_response"
            )
        return task

    def _fresh_output_url(self, task_id: str) -> str:
        """A newly signed output URL of a finished task. Raises ``OutputExpiredError`` when the task
        is gone or lists no output; a busy provider raises ``TransientProviderError`` (the task stays)."""
        try:
            result, _, _ = self._interpret(task_id, self._get_task(task_id), 0.0)
        except TransientProviderError:
            raise
        except ProviderError as err:
            raise OutputExpiredError(
                f"The {self.label} {self.task_noun} {task_id} no longer has a video to download ({err.message}).",
                code="output_expired",
            ) from err
        if result is None:
            raise OutputExpiredError(
                f"The {self.label} {self.task_noun} {task_id} is no longer finished.", code="output_expired"
            )
        return result.output_url
