"""Running the ffmpeg binary that imageio-ffmpeg ships.

Every media helper goes through :func:`run_ffmpeg`: list arguments (never a
shell), no stdin, a timeout, and a :class:`MediaError` carrying the tail of
ffmpeg's stderr when something fails.
"""
from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path

#: long enough for a 10 s 720p segment on a slow worker, short enough to free a stuck one
DEFAULT_TIMEOUT = 300.0

_TAIL_LINES = 12
_TAIL_CHARS = 2000


class MediaError(Exception):
    """An ffmpeg run failed or a media file could not be understood.

    ``stderr_tail`` holds the last lines ffmpeg printed, which usually name the cause.
    """

    def __init__(self, message: str, stderr_tail: str = "", returncode: int | None = None):
        text = f"{message}: {stderr_tail}" if stderr_tail else message
        super().__init__(text)
        self.message = message
        self.stderr_tail = stderr_tail
        self.returncode = returncode


@cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary bundled with imageio-ffmpeg."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def stderr_tail(stderr: bytes | str) -> str:
    """The last few lines of ffmpeg's stderr, enough to say what went wrong."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[-_TAIL_LINES:])[-_TAIL_CHARS:]


def run_ffmpeg(
    args: Sequence[str | Path],
    *,
    what: str,
    check: bool = True,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``ffmpeg -nostdin -hide_banner *args`` and return the finished process.

    ``what`` names the operation in error messages ("normalize clip.mp4").
    With ``check`` a non-zero exit raises :class:`MediaError`; a timeout always does.
    """
    command = [ffmpeg_exe(), "-nostdin", "-hide_banner", *map(str, args)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise MediaError(f"{what} took longer than {timeout:g} s", stderr_tail(exc.stderr or b"")) from exc
    except OSError as exc:
        raise MediaError(f"{what}: cannot run ffmpeg ({exc})") from exc
    if check and done.returncode != 0:
        raise MediaError(f"{what} failed (ffmpeg exit {done.returncode})", stderr_tail(done.stderr), done.returncode)
    return done


def require_file(path: Path, what: str) -> Path:
    """Raise :class:`MediaError` unless ``path`` is an existing, non-empty file."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"{what}: {path} does not exist")
    if path.stat().st_size == 0:
        raise MediaError(f"{what}: {path} is empty")
    return path


@contextmanager
def atomic_output(dest: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; move it onto ``dest`` only if the block succeeds.

    A killed worker therefore never leaves a half-written file under the real name.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    temp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        yield temp
        os.replace(temp, dest)
    finally:
        temp.unlink(missing_ok=True)
