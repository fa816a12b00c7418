"""What the remote video providers share beyond HTTP: following a task until it ends, and fitting a
render request to a provider's allowed sizes and durations."""
from __future__ import annotations

import base64
import math
from collections.abc import Callable, Sequence
from typing import Any

from app.providers.errors import TaskEndedError, TransientProviderError
from app.providers.video.base import ProgressCallback, TaskResult


def poll_until_done(
    read: Callable[[], Any],
    interpret: Callable[[Any, float], tuple[TaskResult | None, float, str]],
    *,
    provider: str,
    task_id: str,
    poll_interval: float,
    max_wait: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    on_progress: ProgressCallback | None = None,
) -> TaskResult:
    """Follow a provider task every ``poll_interval`` s until ``interpret`` returns a result.

    ``read()`` fetches the task's state; a ``TransientProviderError`` from it (the provider
    is busy, the task itself lives on) is waited out. ``interpret(state, elapsed)`` returns
    (result or None, fraction done, readable text) and raises ``ProviderError`` when the task
    ended badly. Progress is reported after every poll. Exceeding ``max_wait`` raises
    ``TransientProviderError(code="timeout")``: the task may still finish, so a later
    ``wait`` on the same id can pick it up.
    """
    started = clock()
    last_report: tuple[float, str] | None = None
    while True:
        pause = poll_interval
        try:
            state = read()
        except TaskEndedError:
            raise  # the task is gone: waiting cannot bring it back
        except TransientProviderError as exc:
            fraction = last_report[0] if last_report else 0.0
            report: tuple[float, str] = (fraction, f"{provider} is not answering right now; still waiting")
            if exc.retry_after is not None:
                pause = max(pause, exc.retry_after)
        else:
            result, fraction, text = interpret(state, clock() - started)
            if result is not None:
                return result
            report = (fraction, text)
        if on_progress is not None:  # every poll: the caller's heartbeat moves even while nothing changes
            on_progress(*report)
        last_report = report
        remaining = max_wait - (clock() - started)
        if remaining <= 0:
            raise TransientProviderError(
                f"{provider} did not finish task {task_id} within {max_wait:g} s; it may still finish, "
                "so try again later.",
                code="timeout",
            )
        sleep(min(pause, remaining))


def nearest_ratio(width: int, height: int, ratios: Sequence[str]) -> str:
    """The allowed ``"W:H"`` ratio closest in shape to ``width`` x ``height``."""
    wanted = math.log(max(width, 1) / max(height, 1))

    def distance(ratio: str) -> float:
        w, h = (int(part) for part in ratio.split(":"))
        return abs(math.log(w / h) - wanted)

    return min(ratios, key=distance)


def nearest_duration(seconds: float, durations: Sequence[int]) -> int:
    """The allowed duration closest to ``seconds`` (the shorter one on a tie)."""
    return min(durations, key=lambda d: (abs(d - seconds), d))


def image_data_uri(image: bytes) -> str:
    """``image`` (JPEG, PNG or WebP bytes) as a ``data:image/...;base64,`` URI."""
    if image.startswith(b"\x89PNG"):
        mime = "image/png"
    elif image[:4] == b"RIFF" and image[8:12] == b"WEBP":
        mime = "image/webp"
    else:
        mime = "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(image).decode('ascii')}"
