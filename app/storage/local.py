"""The local-folder backend: files under MEDIA_ROOT, served by the app with signed URLs for private media."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlencode

from app.storage.base import Storage, StorageNotFound
from app.storage.keys import validate_key, validate_prefix
from app.storage.signing import UrlSigner


class LocalStorage(Storage):
    """Objects as files under ``root``; the web layer serves them (with HTTP Range) under ``url_prefix``."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        url_prefix: str = "/media",
        signer: UrlSigner | None = None,
        *,
        url_ttl: int = 3600,
    ):
        self.root = Path(root)
        self.url_prefix = url_prefix.rstrip("/")
        self.signer = signer
        self.url_ttl = url_ttl

    def _path(self, key: str) -> Path:
        return self.root / validate_key(key)

    def put(self, key: str, data: bytes | BinaryIO, content_type: str | None = None) -> None:
        if isinstance(data, (bytes, bytearray, memoryview)):
            self._write_atomically(self._path(key), lambda fh: fh.write(data))
        else:
            self._write_atomically(self._path(key), lambda fh: shutil.copyfileobj(data, fh))

    @staticmethod
    def _write_atomically(target: Path, write: Callable[[BinaryIO], Any]) -> None:
        # readers see the old file or the new one, never half of one; "~" keeps the temp name out of list()
        try:
            fd, tmp_name = _make_temp_beside(target)
        except FileNotFoundError:
            # a concurrent delete pruned the emptied folder between mkdir and mkstemp
            fd, tmp_name = _make_temp_beside(target)
        try:
            with os.fdopen(fd, "wb") as fh:
                write(fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp_name, 0o644)
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        try:
            return open(path, "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise StorageNotFound(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError):
            return
        self._prune_empty_dirs(path.parent)

    def _prune_empty_dirs(self, directory: Path) -> None:
        # empty folders left behind by deletes would otherwise pile up under the media root
        while directory != self.root and self.root in directory.parents:
            try:
                directory.rmdir()
            except OSError:
                return
            directory = directory.parent

    def delete_prefix(self, prefix: str) -> int:
        keys = self.list(self._require_prefix_for_delete(prefix))
        for key in keys:
            self.delete(key)
        return len(keys)

    def _walk(self, prefix: str) -> Iterator[tuple[str, Path]]:
        validate_prefix(prefix)
        # only the folder that holds the prefix's last "/" can contain matching keys
        start = self.root / prefix.rsplit("/", 1)[0] if "/" in prefix else self.root
        if not start.is_dir():
            return
        for dirpath, _dirnames, filenames in os.walk(start):
            for name in filenames:
                path = Path(dirpath, name)
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix) and _is_valid_key(key):
                    yield key, path

    def list(self, prefix: str = "") -> list[str]:
        return sorted(key for key, _ in self._walk(prefix))

    def size(self, key: str) -> int:
        path = self._path(key)
        if not path.is_file():
            raise StorageNotFound(key)
        return path.stat().st_size

    def total_bytes(self, prefix: str = "") -> int:
        return sum(path.stat().st_size for _, path in self._walk(prefix))

    def url(self, key: str, *, private: bool = False, expires_in: int | None = None) -> str:
        base = f"{self.url_prefix}/{validate_key(key)}"
        if not private:
            return base
        if self.signer is None:
            raise RuntimeError("private media URLs need a UrlSigner; configure a secret key")
        expires_at = int(time.time()) + (expires_in if expires_in is not None else self.url_ttl)
        return f"{base}?{urlencode({'exp': expires_at, 'sig': self.signer.sign(key, expires_at)})}"

    def local_path(self, key: str) -> Path | None:
        """The object's file; raises StorageNotFound when it is missing."""
        path = self._path(key)
        if not path.is_file():
            raise StorageNotFound(key)
        return path

    def download_to(self, key: str, path: str | os.PathLike[str]) -> None:
        with self.open(key) as source:
            self._write_atomically(Path(path), lambda fh: shutil.copyfileobj(source, fh))


def _make_temp_beside(target: Path) -> tuple[int, str]:
    target.parent.mkdir(parents=True, exist_ok=True)
    return tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix="~tmp")


def _is_valid_key(key: str) -> bool:
    try:
        validate_key(key)
    except ValueError:
        return False
    return True
