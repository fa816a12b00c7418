"""Join normalized clips into one progressive MP4 without re-encoding."""
from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from app.media.ffmpeg import DEFAULT_TIMEOUT, atomic_output, require_file, run_ffmpeg


def concat_mp4(inputs: Sequence[Path], dest: Path, *, timeout: float | None = DEFAULT_TIMEOUT) -> Path:
    """Write ``inputs`` back to back into ``dest`` by stream copy and return ``dest``.

    The inputs must share one track layout and codec settings, which is what
    ``normalize`` guarantees; the concat demuxer copies packets and shifts
    timestamps, so the cost is I/O only.
    """
    if not inputs:
        raise ValueError("concat_mp4 needs at least one input")
    paths = [require_file(Path(path), "concat").resolve() for path in inputs]
    with tempfile.TemporaryDirectory(prefix="concat-") as tmp:
        listing = Path(tmp) / "inputs.txt"
        listing.write_text("ffconcat version 1.0\n" + "".join(f"file {_quote(path)}\n" for path in paths))
        with atomic_output(Path(dest)) as temp:
            run_ffmpeg(
                [
                    # -xerror: an unreadable input must fail the join, not be skipped silently
                    "-loglevel", "error", "-xerror", "-f", "concat", "-safe", "0", "-i", listing,
                    "-map", "0", "-c", "copy", "-movflags", "+faststart",
                    "-fflags", "+bitexact", "-f", "mp4", "-y", temp,
                ],
                what=f"join {len(paths)} clips into {Path(dest).name}",
                timeout=timeout,
            )
    return Path(dest)


def _quote(path: Path) -> str:
    """Quote a path for the concat demuxer's list file (single quotes, ' escaped)."""
    return "'" + str(path).replace("'", "'\\''") + "'"
