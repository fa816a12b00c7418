"""The S3 backend: objects in an S3 (or S3-compatible) bucket, behind a CDN or presigned URLs."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from app.storage.base import Storage, StorageNotFound
from app.storage.keys import cache_control_for, guess_content_type, validate_key, validate_prefix

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
