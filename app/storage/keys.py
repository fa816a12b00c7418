"""Storage keys: which names are safe, and the headers an object is stored with."""
from __future__ import annotations

import mimetypes
import re
from functools import lru_cache
from pathlib import Path

MAX_KEY_LENGTH = 512
_KEY_CHARS = re.compile(r"[A-Za-z0-9._/-]*")

#: S3 can hold a media object in any cache forever: a segment's media never changes once ready
IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable"
#: playlists are small and cheap to refetch, so caches keep them only briefly
PLAYLIST_CACHE_CONTROL = "public, max-age=60"

_CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".ts": "video/mp2t",
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".vtt": "text/vtt",
    ".json": "application/json",
}


@lru_cache(maxsize=65_536)  # a key is checked once per process: a 200-segment page builds 430 media URLs
def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe storage key, else raise ValueError saying why."""
    _check_name(key, "key")
    if key.endswith("/"):
        raise ValueError(f"storage key {key!r} must not end with '/'")
    return key


def validate_prefix(prefix: str) -> str:
    """Return ``prefix`` if it can start safe keys ("" means everything), else raise ValueError."""
    if prefix != "":
        _check_name(prefix, "prefix")
    return prefix


def _check_name(name: str, what: str) -> None:
    if not isinstance(name, str) or not name:
        raise ValueError(f"a storage {what} must be a non-empty string")
    if len(name) > MAX_KEY_LENGTH:
        raise ValueError(f"storage {what} is {len(name)} characters long; the limit is {MAX_KEY_LENGTH}")
    if name.startswith("/") or "\\" in name:
        raise ValueError(f"storage {what} {name!r} must be relative and use '/' separators")
    if not _KEY_CHARS.fullmatch(name):
        raise ValueError(f"storage {what} {name!r} may only contain letters, digits and . _ / -")
    parts = name.split("/")
    # a trailing "" part is allowed in a prefix ("segments/42/"); checked for keys by the caller
    if any(part in ("", ".", "..") for part in parts[:-1]) or parts[-1] in (".", ".."):
        raise ValueError(f"storage {what} {name!r} must not contain empty, '.' or '..' parts")


def guess_content_type(key: str) -> str:
    """The Content-Type for a key, from its extension (HLS and video types included)."""
    suffix = Path(key).suffix.lower()
    if suffix in _CONTENT_TYPES:
        return _CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(key)
    return guessed or "application/octet-stream"


def cache_control_for(key: str) -> str:
    """The Cache-Control header stored with an object: playlists short, media forever."""
    return PLAYLIST_CACHE_CONTROL if key.lower().endswith(".m3u8") else IMMUTABLE_CACHE_CONTROL

