"""Where a backup lives: a local folder or an S3 prefix (``s3://bucket/prefix``), seen as a Storage."""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from app.storage import LocalStorage, S3Storage, Storage

CHUNK = 1024 * 1024


class Archive:
    """One backup's files under ``prefix`` of ``storage``."""

    def __init__(self, storage: Storage, prefix: str = "", label: str = ""):
        self.storage = storage
        self.prefix = prefix.strip("/")
        self.label = label

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def put_file(self, name: str, path: Path) -> None:
        self.storage.put_file(self.key(name), path)

    def put_bytes(self, name: str, data: bytes) -> None:
        self.storage.put(self.key(name), data)

    def read_bytes(self, name: str) -> bytes:
        return self.storage.read_bytes(self.key(name))

    def open(self, name: str) -> BinaryIO:
        return self.storage.open(self.key(name))

    def exists(self, name: str) -> bool:
        return self.storage.exists(self.key(name))

    def fetch(self, name: str, path: Path) -> str:
        """Copy ``name`` to ``path``; returns its SHA-256."""
        with self.open(name) as source, open(path, "wb") as target:
            return copy_hashing(source, target)


def archive_at(location: str, config: Mapping[str, Any]) -> Archive:
    """The archive a location names: ``s3://bucket/prefix`` (the site's S3 endpoint and keys) or a folder."""
    if location.startswith("s3://"):
        parts = urlsplit(location)
        storage = S3Storage(parts.netloc, endpoint_url=config.get("S3_ENDPOINT_URL") or None,
                            region=config.get("S3_REGION") or "us-east-1",
                            access_key=config.get("S3_ACCESS_KEY_ID") or None,
                            secret_key=config.get("S3_SECRET_ACCESS_KEY") or None)
        return Archive(storage, parts.path, location)
    folder = Path(location).expanduser().resolve()
    return Archive(LocalStorage(folder), "", str(folder))


def copy_hashing(source: BinaryIO, target: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        target.write(chunk)
    return digest.hexdigest()


def file_sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
