"""The local provider's tasks and the encoder that turns drawn frames into an H.264 clip."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from app.media.ffmpeg import atomic_output, ffmpeg_exe, stderr_tail
from app.media.text import seconds
from app.providers.errors import OutputExpiredError, PermanentProviderError, ProviderError
from app.providers.video.base import ProgressCallback, RenderRequest, TaskResult, VideoProvider
from app.providers.video.local.scene import SceneRenderer


def render_clip(
    request: RenderRequest,
    dest: Path,
    *,
    preset: str = "veryfast",
    crf: int = 20,
    on_progress: ProgressCallback | None = None,
) -> Path:
    """Render ``request`` to an H.264 MP4 at ``dest`` (no audio) and return ``dest``.

    ``dest`` only appears once the encode finished. Raises ProviderError when
    the request cannot be rendered or the encoder fails.
    """
    _validate(request)
    scene = SceneRenderer(request)
    total = seconds(request.duration)
    with atomic_output(Path(dest)) as temp, tempfile.TemporaryFile() as errors:
        try:
            command = _encoder_command(request, preset, crf, temp)
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=errors)
        except OSError as exc:
            raise ProviderError(f"the local renderer cannot start ffmpeg: {exc}", code="render_failed") from exc
        try:
            if on_progress:
                on_progress(0.0, f"rendering 0 s of {total} s")
            for index, frame in enumerate(scene.frames(), start=1):
                process.stdin.write(frame)
                if on_progress and (index % request.fps == 0 or index == scene.frame_count):
                    on_progress(index / scene.frame_count,
                                f"rendering {seconds(index / request.fps)} s of {total} s")
            process.stdin.close()
            returncode = process.wait()
        except OSError:  # ffmpeg died and closed the pipe; its stderr says why
            process.kill()
            returncode = process.wait()
        except BaseException:
            process.kill()
            process.wait()
            raise
        if returncode != 0:
            errors.seek(0)
            raise ProviderError(
                f"the local renderer's encoder failed (ffmpeg exit {returncode}): {stderr_tail(errors.read())}",
                code="render_failed",
            )
    return Path(dest)


class LocalVideoProvider(VideoProvider):
    """Renders on this machine. Tasks are files in ``work_dir`` named by the request's hash,
    so starting the same request twice, or resuming after a crash, reuses the same clip."""

    name = "local"
    start_is_idempotent = True  # the task id is the request's hash

    def __init__(self, work_dir: Path, *, preset: str = "veryfast", crf: int = 20):
        self.work_dir = Path(work_dir)
        self.preset = preset
        self.crf = crf

    @staticmethod
    def task_id_for(request: RenderRequest) -> str:
        """The deterministic task id of ``request``: "local-" + 16 hex digits of its hash."""
        return "local-" + hashlib.sha256(_canonical_json(request).encode()).hexdigest()[:16]

    def start(self, request: RenderRequest) -> str:
        """Record the request as ``<task_id>.json`` (first frame beside it) and return the task id."""
        _validate(request)
        task_id = self.task_id_for(request)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        record = _request_fields(request)
        if request.first_frame is not None:
            record["first_frame_file"] = f"{task_id}.first_frame{_image_suffix(request.first_frame)}"
            with atomic_output(self.work_dir / record["first_frame_file"]) as temp:
                temp.write_bytes(request.first_frame)
        with atomic_output(self.work_dir / f"{task_id}.json") as temp:
            temp.write_text(json.dumps(record, sort_keys=True, default=str, indent=2))
        return task_id

    def wait(self, task_id: str, request: RenderRequest, on_progress: ProgressCallback | None = None) -> TaskResult:
        """Render the clip unless ``<task_id>.mp4`` already exists; report progress once per second of video."""
        if task_id != self.task_id_for(request):
            raise PermanentProviderError(
                f"task {task_id} was started for a different request; start a new task", code="task_mismatch"
            )
        output = self.work_dir / f"{task_id}.mp4"
        if output.is_file():
            if on_progress:
                total = seconds(request.duration)
                on_progress(1.0, f"rendering {total} s of {total} s")
        else:
            render_clip(request, output, preset=self.preset, crf=self.crf, on_progress=on_progress)
        return TaskResult(task_id=task_id, output_url=str(output))

    def fetch(self, result: TaskResult, dest: Path, on_progress: ProgressCallback | None = None) -> Path:
        """Copy the rendered clip to ``dest``."""
        source = Path(result.output_url)
        if not source.is_file():
            raise OutputExpiredError(
                f"the rendered clip {source.name} is gone from the work directory; render it again",
                code="output_missing",
            )
        with atomic_output(Path(dest)) as temp:
            shutil.copyfile(source, temp)
        return Path(dest)


def _validate(request: RenderRequest) -> None:
    problems = []
    if request.width <= 0 or request.height <= 0 or request.width % 2 or request.height % 2:
        problems.append(f"size {request.width}x{request.height} must be positive and even")
    if not 1 <= request.fps <= 120:
        problems.append(f"fps {request.fps} must be between 1 and 120")
    if not 0 < request.duration <= 120:
        problems.append(f"duration {request.duration} s must be between 0 and 120 s")
    if problems:
        raise PermanentProviderError("cannot render this request: " + "; ".join(problems), code="invalid_request")


def _encoder_command(request: RenderRequest, preset: str, crf: int, dest: Path) -> list[str]:
    gop = str(request.fps * 2)
    return [
        ffmpeg_exe(), "-hide_banner", "-loglevel", "error",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{request.width}x{request.height}",
        "-framerate", str(request.fps), "-i", "pipe:0",
        "-vf", "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p",
        "-c:v", "libx264", "-preset", preset, "-crf", str(crf),
        "-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
        "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
        "-fflags", "+bitexact", "-flags:v", "+bitexact", "-movflags", "+faststart",
        "-f", "mp4", "-y", str(dest),
    ]


def _request_fields(request: RenderRequest) -> dict[str, Any]:
    """The request as JSON-ready fields, the first frame replaced by its hash."""
    fields = asdict(request)
    first = fields.pop("first_frame")
    fields["first_frame_sha256"] = hashlib.sha256(first).hexdigest() if first is not None else None
    return fields


def _canonical_json(request: RenderRequest) -> str:
    return json.dumps(_request_fields(request), sort_keys=True, default=str)


def _image_suffix(data: bytes) -> str:
    if data.startswith(b"\xff\xd8"):
        return ".jpg"
    if data.startswith(b"\x89PNG"):
        return ".png"
    return ".bin"

