"""What the HTTP providers share: an API key, a client with backoff, polling a task, downloading its output."""
from __future__ import annotations

import random as _random
import time
from abc import abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from app.providers.video.base import (
    OutputExpiredError,
    ProgressCallback,
    ProviderError,
    RenderRequest,
    TaskResult,
    VideoProvider,
)
from app.providers.video.http import HttpClient, poll_until_done


class RemoteProvider(VideoProvider):
    """A provider behind an HTTP API whose renders are tasks polled until they end.

    Subclasses say how to address a task (``_task_url``, ``_headers``) and how to
    read its state (``_interpret``); waiting, downloading with one renewal of an
    expired output link, and cancelling are the same for all of them.
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

    def fetch(self, result: TaskResult, dest: Path) -> Path:
        """Download the output; an expired link is renewed once by asking for the task again."""
        try:
            return self.http.download(result.output_url, dest)
        except OutputExpiredError:
            fresh = self._fresh_output_url(result.task_id)
            if fresh is None:
                raise
        return self.http.download(fresh, dest)

    def cancel(self, task_id: str) -> None:
        self.http.call("DELETE", self._task_url(task_id), headers=self._headers(), accept=(404,)).close()

    def _get_task(self, task_id: str) -> dict[str, Any]:
        response = self.http.call("GET", self._task_url(task_id), headers=self._headers())
        task = self.http.json(response, f"{self.task_noun} {task_id}")
        if not isinstance(task, dict):
            raise ProviderError(
                f"{self.label} described {self.task_noun} {task_id} in an unexpected shape.", code="bad_response"
            )
        return task

    def _fresh_output_url(self, task_id: str) -> str | None:
        """A newly signed output URL of a finished task, or None when only a new task can help."""
        try:
            result, _, _ = self._interpret(task_id, self._get_task(task_id), 0.0)
        except ProviderError:
            return None  # the task is gone (404) or no longer finished
        return result.output_url if result else None
