"""Media storage that counts what it writes: bytes stored and failed writes, per backend."""
from __future__ import annotations

import os
from typing import Any, BinaryIO

from app.observability.metrics import STORAGE_BYTES, STORAGE_ERRORS


class MeteredStorage:
    """Wraps a ``Storage``: writes are counted, everything else is the backend's own."""

    def __init__(self, backend: Any, name: str):
        self._backend = backend
        self._name = name
        for operation in ("put", "put_file"):  # a failure count that reads 0 rather than no series at all
            STORAGE_ERRORS.labels(name, operation)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._backend, attr)

    def put(self, key: str, data: bytes | BinaryIO, content_type: str | None = None) -> None:
        start = _position(data)
        self._write("put", key, data, content_type)
        if isinstance(data, (bytes, bytearray, memoryview)):
            STORAGE_BYTES.labels(self._name).inc(len(data))
        elif start is not None and (end := _position(data)) is not None:
            STORAGE_BYTES.labels(self._name).inc(max(0, end - start))

    def put_file(self, key: str, path: str | os.PathLike[str], content_type: str | None = None) -> None:
        self._write("put_file", key, path, content_type)
        STORAGE_BYTES.labels(self._name).inc(os.path.getsize(path))

    def _write(self, operation: str, *args) -> None:
        try:
            getattr(self._backend, operation)(*args)
        except Exception:
            STORAGE_ERRORS.labels(self._name, operation).inc()
            raise


def _position(data: Any) -> int | None:
    try:
        return data.tell()
    except (AttributeError, OSError, ValueError):
        return None
