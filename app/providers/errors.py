"""How a provider fails, whichever family it belongs to (video or language model): the pipeline retries
``transient`` errors and gives up on the rest."""
from __future__ import annotations


class ProviderError(Exception):
    """A provider refused or failed. ``transient`` errors may be retried."""

    transient = False

    def __init__(self, message: str, code: str = "provider_error", retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.retry_after = retry_after


class TransientProviderError(ProviderError):
    """Worth retrying later: HTTP 429/5xx, timeouts, connection errors."""

    transient = True


class TaskEndedError(TransientProviderError):
    """The task ended without a video for a reason worth another try; the next try needs a new task."""


class PermanentProviderError(ProviderError):
    """Never retry: safety rejections, invalid requests, bad credentials."""


class OutputExpiredError(ProviderError):
    """The task's output is gone for good (the task itself is gone or no longer finished); a new task is needed."""

    transient = True
