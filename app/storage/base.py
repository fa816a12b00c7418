"""The one interface every storage backend answers, and the error it raises for a missing key."""
from __future__ import annotations

import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import BinaryIO

from app.storage.keys import validate_key, validate_prefix


class StorageNotFound(KeyError):
    """No object is stored under the key."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key

    def __str__(self) -> str:
        return f"no stored object at {self.key!r}"


class Storage(ABC):
    """A flat namespace of keys holding bytes, with URLs the browser can fetch."""

    #: public URLs that never expire (plain paths, a CDN); presigned ones do
    stable_public_urls: bool = True

    @abstractmethod
    def put(self, key: str, data: bytes | BinaryIO, content_type: str | None = None) -> None:
        """Store ``data`` (bytes or a readable binary file) under ``key``, replacing any old object."""

    def put_file(self, key: str, path: str | os.PathLike[str], content_type: str | None = None) -> None:
        """Store the file at ``path`` under ``key``."""
        with open(path, "rb") as fh:
            self.put(key, fh, content_type)

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the object; raises StorageNotFound when it is missing."""

    def read_bytes(self, key: str) -> bytes:
        """The whole object; raises StorageNotFound when it is missing."""
        with self.open(key) as fh:
            return fh.read()

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; removing a missing key is not an error."""

    @abstractmethod
    def delete_prefix(self, prefix: str) -> int:
        """Remove every object whose key starts with ``prefix`` (which must not be empty); return how many."""

    @abstractmethod
    def list(self, prefix: str = "") -> list[str]:
        """The sorted keys that start with ``prefix``."""

    @abstractmethod
    def size(self, key: str) -> int:
        """The object's size in bytes; raises StorageNotFound when it is missing."""

    @abstractmethod
    def total_bytes(self, prefix: str = "") -> int:
        """The summed size of every object whose key starts with ``prefix``."""

    @abstractmethod
    def url(self, key: str, *, private: bool = False, expires_in: int | None = None) -> str:
        """A URL a browser can fetch the object from; private URLs are signed and expire."""

    def local_path(self, key: str) -> Path | None:
        """The object's file on this machine, or None when the backend is remote."""
        validate_key(key)
        return None

    def local_copy(self, key: str, cache_dir: Path) -> Path:
        """A file with the object's bytes: the object itself when stored locally, else a download in ``cache_dir``."""
        path = self.local_path(key)
        if path is not None:
            return path
        dest = Path(cache_dir) / key.replace("/", "_")
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            self.download_to(key, dest)
        return dest

    @abstractmethod
    def download_to(self, key: str, path: str | os.PathLike[str]) -> None:
        """Copy the object into the file at ``path``; raises StorageNotFound when it is missing."""

    @staticmethod
    def _require_prefix_for_delete(prefix: str) -> str:
        validate_prefix(prefix)
        if not prefix:
            raise ValueError("delete_prefix needs a non-empty prefix; refusing to delete everything")
        return prefix

