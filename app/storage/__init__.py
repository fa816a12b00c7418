"""Where media bytes live: one ``Storage`` interface, a local-folder backend and an S3 backend.

Keys are relative, "/"-separated names such as ``segments/42/hls/seg_000.m4s``.
Every segment's media lives under its own prefix and is never copied, so a
fork costs no bytes (``total_bytes`` proves it). The rest of the code never
asks which backend it has; ``storage_from_config`` picks one from config.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.storage.base import Storage, StorageNotFound
from app.storage.keys import (
    IMMUTABLE_CACHE_CONTROL,
    MAX_KEY_LENGTH,
    PLAYLIST_CACHE_CONTROL,
    cache_control_for,
    guess_content_type,
    validate_key,
    validate_prefix,
)
from app.storage.local import LocalStorage
from app.storage.s3 import S3Storage
from app.storage.signing import UrlSigner

__all__ = [
    "IMMUTABLE_CACHE_CONTROL", "MAX_KEY_LENGTH", "PLAYLIST_CACHE_CONTROL", "LocalStorage", "S3Storage", "Storage",
    "StorageNotFound", "UrlSigner", "cache_control_for", "guess_content_type", "storage_from_config",
    "validate_key", "validate_prefix",
]


def storage_from_config(config: Mapping[str, Any]) -> Storage:
    """The storage backend that ``config`` selects with STORAGE_BACKEND ("local" or "s3").

    Private local URLs are signed with MEDIA_URL_SECRET, falling back to SECRET_KEY.
    """
    backend = str(config.get("STORAGE_BACKEND") or "local").strip().lower()
    url_ttl = int(config.get("MEDIA_URL_TTL") or 3600)
    if backend == "local":
        root = config.get("MEDIA_ROOT")
        if not root:
            raise ValueError("STORAGE_BACKEND=local needs MEDIA_ROOT, the folder that holds media files")
        secret = config.get("MEDIA_URL_SECRET") or config.get("SECRET_KEY")
        return LocalStorage(
            Path(root),
            url_prefix=config.get("MEDIA_URL_PREFIX") or "/media",
            signer=UrlSigner(secret) if secret else None,
            url_ttl=url_ttl,
        )
    if backend == "s3":
        if not config.get("S3_BUCKET"):
            raise ValueError("STORAGE_BACKEND=s3 needs S3_BUCKET, the bucket that holds media")
        return S3Storage(
            config["S3_BUCKET"],
            endpoint_url=config.get("S3_ENDPOINT_URL") or None,
            region=config.get("S3_REGION") or "us-east-1",
            access_key=config.get("S3_ACCESS_KEY_ID") or None,
            secret_key=config.get("S3_SECRET_ACCESS_KEY") or None,
            cdn_base_url=config.get("CDN_BASE_URL") or None,
            url_ttl=url_ttl,
        )
    raise ValueError(f"unknown STORAGE_BACKEND {backend!r}; use 'local' or 's3'")
