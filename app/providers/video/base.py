"""The one interface every video provider speaks.

A render is a provider *task*: ``start`` creates it and returns its id (the
pipeline stores that id before anything else), ``wait`` follows it until it
ends, ``fetch`` downloads the finished clip. Because the id is stored first, a
resumed job calls ``wait``/``fetch`` on the existing task and never pays twice.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: called with (fraction done 0..1, readable text such as "rendering 3 s of 5 s")
ProgressCallback = Callable[[float, str], None]


@dataclass(frozen=True)
class RenderRequest:
    """What to render. ``prompt`` is the expanded prompt; ``bible`` is the
    continuity data the pipeline passes in (see ``BibleSnapshot`` keys below)."""

    prompt: str
    seed: int
    duration: float = 5.0
    width: int = 640
    height: int = 360
    fps: int = 24
    #: JPEG or PNG bytes of the parent's last frame; None for a first segment
    first_frame: bytes | None = None
    #: the same frame at a URL the provider can fetch itself (presigned or signed), when there is one
    first_frame_url: str | None = None
    #: {"location": {"id", "name", "attributes"} | None,
    #:  "characters": [{"id", "name", "attributes"}], "props": [...],
    #:  "style": {"id", "name", "attributes"} | None, "action": str}
    bible: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskResult:
    """A finished task: where its video can be fetched from."""

    task_id: str
    output_url: str


class VideoProvider(ABC):
    """Interface for local and remote video generators."""

    name: str = "base"
    #: True when starting the same request twice makes one task (so a create may always be repeated)
    start_is_idempotent: bool = False

    @abstractmethod
    def start(self, request: RenderRequest) -> str:
        """Create a render task and return its id. Must not block on rendering."""

    @abstractmethod
    def wait(self, task_id: str, request: RenderRequest, on_progress: ProgressCallback | None = None) -> TaskResult:
        """Follow ``task_id`` until it ends; raise ProviderError on failure."""

    @abstractmethod
    def fetch(self, result: TaskResult, dest: Path, on_progress: ProgressCallback | None = None) -> Path:
        """Download the finished video to ``dest`` and return it."""

    def cancel(self, task_id: str) -> None:
        """Cancel a task if the provider supports it; by default there is nothing to cancel."""
        return None
