"""Still images from a clip: reference frames for continuity, posters, thumbnails."""
from __future__ import annotations

import tempfile
from pathlib import Path

from app.media.ffmpeg import MediaError, atomic_output, require_file, run_ffmpeg
from app.media.probe import probe

#: mjpeg qscale: 2 keeps reference frames close to the source, posters can be lighter
REFERENCE_QUALITY = 2
POSTER_QUALITY = 3
THUMBNAIL_QUALITY = 4
#: JPEG means full-range BT.601; converting explicitly keeps a BT.709 clip's colours true in the still
TO_JPEG_COLORS = "out_color_matrix=bt601:out_range=full"


def first_frame(path: Path) -> bytes:
    """JPEG bytes of the clip's first video frame."""
    path = require_file(Path(path), "first frame")
    done = run_ffmpeg(
        ["-loglevel", "error", "-i", path, "-map", "0:v:0", "-frames:v", "1", "-vf", f"scale={TO_JPEG_COLORS}",
         "-c:v", "mjpeg", "-q:v", str(REFERENCE_QUALITY), "-f", "image2pipe", "-"],
        what=f"first frame of {path.name}",
    )
    return _jpeg_or_error(done.stdout, f"first frame of {path.name}")


def last_frame(path: Path) -> bytes:
    """JPEG bytes of the clip's last video frame (the reference for a continuation)."""
    path = require_file(Path(path), "last frame")
    with tempfile.TemporaryDirectory(prefix="last-frame-") as tmp:
        out = Path(tmp) / "last.jpg"
        # decode the final second (all of it if the video ends earlier than the container) and let
        # image2 -update keep overwriting one file: the survivor is the last frame
        for seek in (["-sseof", "-1"], []):
            run_ffmpeg(
                ["-loglevel", "error", *seek, "-i", path, "-map", "0:v:0", "-vf", f"scale={TO_JPEG_COLORS}",
                 "-c:v", "mjpeg", "-q:v", str(REFERENCE_QUALITY), "-update", "1", "-f", "image2", "-y", out],
                what=f"last frame of {path.name}",
                check=not seek,
            )
            if out.exists() and out.stat().st_size:
                break
        data = out.read_bytes() if out.exists() else b""
    return _jpeg_or_error(data, f"last frame of {path.name}")


def poster(path: Path, dest: Path, *, at: float | None = None) -> Path:
    """Write a full-size JPEG of a representative frame (default: one third in) to ``dest``."""
    return _still(path, dest, at=at, scale=f"scale={TO_JPEG_COLORS}", quality=POSTER_QUALITY, what="poster")


def thumbnail(path: Path, dest: Path, width: int = 320, *, at: float | None = None) -> Path:
    """Write a JPEG of the poster frame scaled to ``width`` (height keeps the aspect) to ``dest``."""
    scale = f"scale={width}:-2:{TO_JPEG_COLORS}"
    return _still(path, dest, at=at, scale=scale, quality=THUMBNAIL_QUALITY, what="thumbnail")


def _still(path: Path, dest: Path, *, at: float | None, scale: str, quality: int, what: str) -> Path:
    path = require_file(Path(path), what)
    if at is None:
        at = probe(path).duration / 3
    with atomic_output(Path(dest)) as temp:
        run_ffmpeg(
            ["-loglevel", "error", "-ss", f"{at:.3f}", "-i", path, "-map", "0:v:0", "-frames:v", "1",
             "-vf", scale,
             "-c:v", "mjpeg", "-q:v", str(quality), "-update", "1", "-f", "image2", "-y", temp],
            what=f"{what} of {path.name}",
        )
        if not temp.exists() or temp.stat().st_size == 0:
            raise MediaError(f"{what} of {path.name}: no frame at {at:.2f} s")
    return Path(dest)


def _jpeg_or_error(data: bytes, what: str) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise MediaError(f"{what}: ffmpeg produced no image")
    return data
