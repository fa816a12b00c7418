"""Where media bytes live: one ``Storage`` interface, a local-folder backend and an S3 backend.

Keys are relative, "/"-separated names such as ``segments/42/hls/seg_000.m4s``.
Every segment's media lives under its own prefix and is never copied, so a
fork costs no bytes (``total_bytes`` proves it). The rest of the code never
asks which backend it has; ``storage_from_config`` picks one from config.
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import mimetypes
import os
import re
import shutil
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlencode

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


class StorageNotFound(KeyError):
    """No object is stored under the key."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key

    def __str__(self) -> str:
        return f"no stored object at {self.key!r}"


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


class UrlSigner:
    """Signs and verifies expiring URLs for private media with HMAC-SHA256."""

    def __init__(self, secret: str):
        if not secret:
            raise ValueError("UrlSigner needs a non-empty secret")
        self._secret = secret.encode("utf-8")

    def sign(self, key: str, expires_at: int) -> str:
        """The hex signature that lets ``key`` be fetched until ``expires_at`` (Unix seconds)."""
        message = f"{key}\n{int(expires_at)}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def verify(self, key: str, exp: int | str, sig: str, now: float | None = None) -> bool:
        """True when ``sig`` was made by this signer for ``key`` and ``exp`` has not passed."""
        try:
            expires_at = int(exp)
        except (TypeError, ValueError):
            return False
        if expires_at < (time.time() if now is None else now):
            return False
        if not isinstance(sig, str):
            return False
        return hmac.compare_digest(self.sign(key, expires_at), sig)


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


_MISSING_CODES = {"404", "NoSuchKey", "NotFound"}
_DELETE_BATCH = 1000  # the most keys one DeleteObjects request accepts


class S3Storage(Storage):
    """Objects in an S3 (or S3-compatible) bucket, delivered through a CDN or presigned URLs."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key: str | None = None,
        secret_key: str | None = None,
        cdn_base_url: str | None = None,
        url_ttl: int = 3600,
        client: Any = None,
    ):
        if not bucket:
            raise ValueError("S3Storage needs a bucket name (S3_BUCKET)")
        self.bucket = bucket
        self.cdn_base_url = cdn_base_url.rstrip("/") if cdn_base_url else None
        self.stable_public_urls = self.cdn_base_url is not None
        self.url_ttl = url_ttl
        self.client = client or _make_s3_client(endpoint_url, region, access_key, secret_key)

    def _extra_args(self, key: str, content_type: str | None) -> dict[str, str]:
        return {"ContentType": content_type or guess_content_type(key), "CacheControl": cache_control_for(key)}

    def put(self, key: str, data: bytes | BinaryIO, content_type: str | None = None) -> None:
        validate_key(key)
        extra = self._extra_args(key, content_type)
        if isinstance(data, (bytes, bytearray, memoryview)):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=bytes(data), **extra)
        else:
            # upload_fileobj switches to a multipart upload for large streams
            self.client.upload_fileobj(data, self.bucket, key, ExtraArgs=extra)

    def put_file(self, key: str, path: str | os.PathLike[str], content_type: str | None = None) -> None:
        validate_key(key)
        self.client.upload_file(os.fspath(path), self.bucket, key, ExtraArgs=self._extra_args(key, content_type))

    def open(self, key: str) -> BinaryIO:
        validate_key(key)
        with _not_found_as(key):
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"]

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except StorageNotFound:
            return False
        return True

    def size(self, key: str) -> int:
        validate_key(key)
        with _not_found_as(key):
            return int(self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"])

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=validate_key(key))

    def delete_prefix(self, prefix: str) -> int:
        # list everything first: deleting while paginating could make the listing skip keys
        keys = self.list(self._require_prefix_for_delete(prefix))
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = keys[start : start + _DELETE_BATCH]
            answer = self.client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
            )
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise OSError(
                    f"S3 refused to delete {len(answer['Errors'])} objects under {prefix!r}, "
                    f"e.g. {first.get('Key')}: {first.get('Message')}"
                )
        return len(keys)

    def _objects(self, prefix: str) -> Iterator[dict[str, Any]]:
        validate_prefix(prefix)
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            yield from page.get("Contents", [])

    def list(self, prefix: str = "") -> list[str]:
        return sorted(obj["Key"] for obj in self._objects(prefix))

    def total_bytes(self, prefix: str = "") -> int:
        return sum(int(obj["Size"]) for obj in self._objects(prefix))

    def url(self, key: str, *, private: bool = False, expires_in: int | None = None) -> str:
        validate_key(key)
        if self.cdn_base_url and not private:
            return f"{self.cdn_base_url}/{key}"
        return self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=expires_in if expires_in is not None else self.url_ttl,
        )

    def download_to(self, key: str, path: str | os.PathLike[str]) -> None:
        validate_key(key)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with _not_found_as(key):
            self.client.download_file(self.bucket, key, os.fspath(path))


@contextlib.contextmanager
def _not_found_as(key: str) -> Iterator[None]:
    """Turn S3's "no such key" answers into StorageNotFound."""
    from botocore.exceptions import ClientError

    try:
        yield
    except ClientError as error:
        if str(error.response.get("Error", {}).get("Code")) in _MISSING_CODES:
            raise StorageNotFound(key) from None
        raise


def _make_s3_client(endpoint_url: str | None, region: str, access_key: str | None, secret_key: str | None) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        signature_version="s3v4",
        # S3-compatible stores (MinIO, R2, moto) want bucket-in-path URLs
        s3={"addressing_style": "path" if endpoint_url else "auto"},
        # many S3-compatible stores reject the newer default CRC checksums
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"mode": "standard", "max_attempts": 5},
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region,
        aws_access_key_id=access_key or None,
        aws_secret_access_key=secret_key or None,
        config=config,
    )


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
