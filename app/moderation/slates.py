"""Short slates that playlists show in place of a segment nobody may watch (removed, or held or hidden).

One slate per kind and house size, made once with ffmpeg in the house format and packaged as HLS
like any segment, stored under ``slates/`` (public: it shows nothing of anyone's). A branch playlist
plays the slate between discontinuities, so the player runs past it to the next segment.
"""
from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from app.media import hls
from app.media.ffmpeg import run_ffmpeg
from app.media.normalize import normalize
from app.storage import Storage, StorageNotFound

SLATE_SECONDS = 2
#: what each slate says
TEXTS = {
    "removed": ("Removed", "This part of the story was taken down."),
    "unavailable": ("Not available", "This part of the story is waiting for a moderator."),
}


@dataclass(frozen=True)
class Slate:
    prefix: str
    hls: dict
    video_key: str
    poster_key: str


def slate_kind(moderation_state: str) -> str:
    return "removed" if moderation_state == "removed" else "unavailable"


def slate_prefix(kind: str, width: int, height: int, fps: int, fmt: str) -> str:
    return f"slates/{kind}-{width}x{height}-{fps}-{fmt}/"


def stored_slate(store: Storage, kind: str, width: int, height: int, fps: int, fmt: str) -> Slate | None:
    """The slate if it was made already, else None (reads one small JSON object)."""
    prefix = slate_prefix(kind, width, height, fps, fmt)
    try:
        data = json.loads(store.read_bytes(f"{prefix}slate.json"))
    except StorageNotFound:
        return None
    return Slate(prefix, data, f"{prefix}video.mp4", f"{prefix}poster.jpg")


def ensure_slate(store: Storage, kind: str, width: int, height: int, fps: int, fmt: str, *, preset: str = "veryfast") -> Slate:
    """The slate for ``kind`` at this size, made and stored on first use."""
    if (found := stored_slate(store, kind, width, height, fps, fmt)) is not None:
        return found
    prefix = slate_prefix(kind, width, height, fps, fmt)
    with tempfile.TemporaryDirectory(prefix="slate-") as tmp:
        tmp = Path(tmp)
        card = _card(TEXTS[kind], width, height)
        card.save(tmp / "poster.jpg", quality=90)
        raw = tmp / "raw.mp4"
        run_ffmpeg(["-loglevel", "error", "-loop", "1", "-framerate", str(fps), "-i", tmp / "poster.jpg",
                    "-t", str(SLATE_SECONDS), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                    "-y", raw], what=f"{kind} slate")
        video = normalize(raw, tmp / "video.mp4", width=width, height=height, fps=fps, preset=preset)
        playlist = hls.package_hls(video, tmp / "hls", fmt=fmt)
        for path in sorted((tmp / "hls").iterdir()):
            store.put_file(f"{prefix}hls/{path.name}", path)
        store.put_file(f"{prefix}video.mp4", video, "video/mp4")
        store.put_file(f"{prefix}poster.jpg", tmp / "poster.jpg", "image/jpeg")
        parsed = hls.parse_media_playlist(playlist.read_text())
        data = {"target": parsed.target_duration, "map": parsed.map_uri,
                "parts": [[part.duration, part.uri] for part in parsed.segments]}
        store.put(f"{prefix}slate.json", json.dumps(data).encode(), "application/json")  # written last: the slate is whole
    return Slate(prefix, data, f"{prefix}video.mp4", f"{prefix}poster.jpg")


def _card(text: tuple[str, str], width: int, height: int) -> Image.Image:
    title, line = text
    image = Image.new("RGB", (width, height), (24, 26, 32))
    draw = ImageDraw.Draw(image)
    for words, size, y in ((title, height // 9, 0.42), (line, height // 22, 0.58)):
        try:
            font = ImageFont.load_default(size=max(12, size))
        except (TypeError, ImportError, OSError):
            font = ImageFont.load_default()
        box = draw.textbbox((0, 0), words, font=font)
        draw.text(((width - (box[2] - box[0])) / 2, height * y - (box[3] - box[1]) / 2), words, fill=(235, 235, 235), font=font)
    return image
