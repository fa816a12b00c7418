"""HTTP as every remote provider speaks it: retries with backoff, error mapping, request ids, downloads.

``HttpClient.call`` is the single place where a provider's HTTP answer becomes either a
response or one of the ``ProviderError`` classes, so every provider (video and language
model alike) retries the same failures in the same way.
"""
from __future__ import annotations

import email.utils
import os
import random as _random
import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from app.observability import metrics
from app.observability.trace import HEADER as REQUEST_ID_HEADER
from app.observability.trace import current_request_id
from app.providers.errors import OutputExpiredError, PermanentProviderError, ProviderError, TransientProviderError

#: called with (fraction done 0..1, readable text such as "downloading the video: 1.2 of 3.4 MB")
ProgressCallback = Callable[[float, str], None]

#: answers worth asking again after a pause
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
#: what a signed output URL answers once it has expired (or was never valid)
EXPIRED_STATUSES = frozenset({401, 403, 404, 410})
#: failures of the connection itself rather than answers from the provider
TRANSPORT_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else datetime.now(UTC).timestamp()
    return max(0.0, when.timestamp() - current)


def error_message(response: requests.Response, limit: int = 300) -> str:
    """The provider's own explanation from an error body (JSON ``error``/``detail``/``message``)."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:limit] or (response.reason or "no explanation given")
    return (_message_in(body) or response.text.strip())[:limit]


def _message_in(body: Any) -> str | None:
    if isinstance(body, str):
        return body
    if isinstance(body, list):
        texts = [_message_in(item) for item in body]
        return "; ".join(t for t in texts if t) or None
    if isinstance(body, dict):
        for key in ("error", "detail", "message", "msg", "failure"):
            if key in body:
                found = _message_in(body[key])
                if found:
                    return found
    return None


def with_request_id(headers: dict | None) -> dict | None:
    """``headers`` plus the current request id, so a provider's logs can be matched to ours."""
    request_id = current_request_id()
    if request_id is None:
        return headers
    return {**(headers or {}), REQUEST_ID_HEADER: request_id}


def _transport_kind(exc: requests.RequestException) -> str:
    return "timeout" if isinstance(exc, requests.Timeout) else "connection"


def _never_reached_server(exc: requests.RequestException) -> bool:
    """True when the request certainly was not delivered (so even a POST may be resent)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


class HttpClient:
    """A ``requests.Session`` that retries transient failures with backoff and full jitter.

    ``provider`` names the service in error messages ("Runway answered HTTP 401: ...").
    ``sleep`` and ``random`` are injectable so tests can record waits instead of waiting.
    """

    def __init__(
        self,
        provider: str,
        *,
        max_attempts: int = 5,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        timeout: float | tuple[float, float] = (10.0, 60.0),
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.provider = provider
        self.clock = clock
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.timeout = timeout
        self.session = session or requests.Session()
        self.sleep = sleep
        self.random = random

    def backoff(
        self, attempt: int, retry_after: float | None = None, *, base: float | None = None, cap: float | None = None
    ) -> float:
        """Delay before retry number ``attempt`` (1-based): ``Retry-After`` capped by ``cap`` if
        the provider sent one, else full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]."""
        base = self.backoff_base if base is None else base
        cap = self.backoff_max if cap is None else cap
        if retry_after is not None:
            return min(retry_after, cap)
        return self.random() * min(cap, base * 2 ** (attempt - 1))

    def call(
        self,
        method: str,
        url: str,
        *,
        max_attempts: int | None = None,
        backoff_base: float | None = None,
        backoff_max: float | None = None,
        timeout: float | tuple[float, float] | None = None,
        accept: Collection[int] = (),
        idempotent: bool = True,
        deadline: float | None = None,
        **kw: Any,
    ) -> requests.Response:
        """Send a request, retrying HTTP 408/425/429/5xx-gateway answers, connection errors and
        timeouts. Statuses in ``accept`` are returned to the caller untouched.

        Raises ``TransientProviderError`` (with ``retry_after``) when attempts run out and
        ``PermanentProviderError`` for any other 4xx/5xx answer. With ``idempotent=False``
        (task creation) a timeout after the request may have arrived is not resent, because a
        second POST could pay for a second render. ``deadline`` (on ``clock``) bounds the whole
        call, retries and waits included: no request outlives it and no retry starts after it.
        """
        attempts = max(1, max_attempts or self.max_attempts)
        base, cap = backoff_base, backoff_max
        timeout = self.timeout if timeout is None else timeout
        kw["headers"] = with_request_id(kw.get("headers"))
        for attempt in range(1, attempts + 1):
            try:
                response = self.session.request(method, url, timeout=self._within(timeout, deadline), **kw)
            except requests.RequestException as exc:
                metrics.provider_error(self.provider, _transport_kind(exc), retrying=attempt < attempts)
                if not isinstance(exc, TRANSPORT_ERRORS):
                    raise PermanentProviderError(
                        f"Could not send the request to {self.provider}: {exc}", code="bad_request"
                    ) from exc
                if not idempotent and not _never_reached_server(exc):
                    raise TransientProviderError(
                        f"{self.provider} did not answer the request in time, so it is unknown whether "
                        f"it was accepted ({type(exc).__name__}); check the provider before resubmitting.",
                        code="submit_uncertain",
                    ) from exc
                delay = self.backoff(attempt, base=base, cap=cap)
                if attempt == attempts or self._past(deadline, delay):
                    raise TransientProviderError(
                        f"{self.provider} could not be reached after {attempt} attempts "
                        f"({type(exc).__name__}); try again later.",
                        code="unreachable",
                        retry_after=delay,
                    ) from exc
                self.sleep(delay)
                continue

            status = response.status_code
            if status < 400 or status in accept:
                return response
            metrics.provider_error(self.provider, f"http_{status}",
                                   retrying=status in TRANSIENT_STATUSES and attempt < attempts)
            if status not in TRANSIENT_STATUSES:
                message = error_message(response)
                response.close()
                raise PermanentProviderError(
                    f"{self.provider} answered HTTP {status}: {message}", code=f"http_{status}"
                )
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            delay = self.backoff(attempt, retry_after, base=base, cap=cap)
            if attempt == attempts or self._past(deadline, delay):
                message = error_message(response)
                response.close()
                raise TransientProviderError(
                    f"{self.provider} is busy (HTTP {status}: {message}); gave up after {attempt} attempts.",
                    code=f"http_{status}",
                    retry_after=retry_after if retry_after is not None else delay,
                )
            response.close()
            self.sleep(delay)
        raise AssertionError("unreachable: the loop always returns or raises")

    def _past(self, deadline: float | None, delay: float) -> bool:
        """True when waiting ``delay`` s for another try would pass ``deadline``."""
        return deadline is not None and self.clock() + delay >= deadline

    def _within(self, timeout: float | tuple[float, float], deadline: float | None) -> float | tuple[float, float]:
        """``timeout`` shortened so that the request ends by ``deadline``."""
        if deadline is None:
            return timeout
        remaining = deadline - self.clock()
        if remaining <= 0:
            raise TransientProviderError(f"{self.provider} ran out of the time allowed for it.", code="deadline")
        if isinstance(timeout, tuple):
            return (min(timeout[0], remaining), min(timeout[1], remaining))
        return min(timeout, remaining)

    def json(self, response: requests.Response, what: str) -> Any:
        """The response body as JSON, or a ``ProviderError`` naming ``what`` was being read."""
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderError(
                f"{self.provider} sent an unreadable answer for {what} "
                f"(HTTP {response.status_code}, {response.headers.get('Content-Type', 'no content type')}).",
                code="bad_response",
            ) from exc

    def download(
        self, url: str, dest: Path, *, chunk_size: int = 1 << 16, on_progress: ProgressCallback | None = None
    ) -> Path:
        """Stream ``url`` to ``dest`` (atomically, via a ``.part`` file), telling ``on_progress``
        after every chunk (a long download is a live worker).

        Raises ``OutputExpiredError`` when the URL answers 401/403/404/410; a transfer that
        breaks off or arrives short is downloaded again, like any transient failure.
        """
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        problem = "nothing arrived"
        for attempt in range(1, self.max_attempts + 1):
            with self.call("GET", url, stream=True, accept=EXPIRED_STATUSES) as response:
                if response.status_code in EXPIRED_STATUSES:
                    raise OutputExpiredError(
                        f"The {self.provider} output link no longer works (HTTP {response.status_code}).",
                        code="output_expired",
                    )
                try:
                    size = self._stream_to(response, part, chunk_size, on_progress)
                except TRANSPORT_ERRORS as exc:
                    problem = f"the transfer broke off ({type(exc).__name__})"
                else:
                    if self._complete(response, size):
                        os.replace(part, dest)
                        return dest
                    problem = f"only {size} bytes arrived"
            part.unlink(missing_ok=True)
            if attempt < self.max_attempts:
                self.sleep(self.backoff(attempt))
        raise TransientProviderError(
            f"The video from {self.provider} could not be downloaded: {problem}.", code="download_failed"
        )

    @staticmethod
    def _complete(response: requests.Response, size: int) -> bool:
        expected = response.headers.get("Content-Length", "")
        # a compressed transfer's Content-Length counts encoded bytes, not the ones written
        if response.headers.get("Content-Encoding") or not expected.isdigit():
            return size > 0
        return size == int(expected) > 0

    @staticmethod
    def _stream_to(
        response: requests.Response, part: Path, chunk_size: int, on_progress: ProgressCallback | None
    ) -> int:
        expected = response.headers.get("Content-Length", "")
        total = int(expected) if expected.isdigit() and int(expected) > 0 else None
        size = 0
        with part.open("wb") as fh:
            for chunk in response.iter_content(chunk_size):
                fh.write(chunk)
                size += len(chunk)
                if on_progress is not None:
                    of = f" of {total / 1e6:.1f}" if total else ""
                    on_progress(min(size / total, 1.0) if total else 0.0, f"downloading the video: {size / 1e6:.1f}{of} MB")
        return size
