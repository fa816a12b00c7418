"""S3Storage against a real S3-compatible server over HTTP: URLs, headers, multipart and big prefixes."""
from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import requests

from app.storage import (
    IMMUTABLE_CACHE_CONTROL,
    PLAYLIST_CACHE_CONTROL,
    S3Storage,
    storage_from_config,
)


def _head(storage: S3Storage, key: str) -> dict:
    return storage.client.head_object(Bucket=storage.bucket, Key=key)


def _count_calls(storage: S3Storage, operation: str) -> list[str]:
    calls: list[str] = []
    storage.client.meta.events.register(f"before-call.s3.{operation}", lambda **_: calls.append(operation))
    return calls


def test_presigned_url_downloads_the_bytes_with_plain_http(s3_storage):
    """Without a CDN, url() is a presigned GET that a browser (here: requests) can fetch as-is."""
    s3_storage.put("segments/1/clip.mp4", b"real mp4 bytes")
    response = requests.get(s3_storage.url("segments/1/clip.mp4"), timeout=10)
    assert response.status_code == 200
    assert response.content == b"real mp4 bytes"
    assert response.headers["Content-Type"] == "video/mp4"


def test_presigned_url_lifetime_follows_expires_in_then_url_ttl(make_s3):
    """A presigned URL lives for expires_in seconds when given, else for the configured url_ttl."""
    storage = make_s3(url_ttl=900)
    storage.put("segments/1/clip.mp4", b"x")
    default = parse_qs(urlsplit(storage.url("segments/1/clip.mp4")).query)
    custom = parse_qs(urlsplit(storage.url("segments/1/clip.mp4", private=True, expires_in=60)).query)
    assert default["X-Amz-Expires"] == ["900"]
    assert custom["X-Amz-Expires"] == ["60"]


def test_cdn_url_for_public_media_and_presigned_for_private(make_s3, s3_endpoint, s3_bucket):
    """With a CDN configured, public URLs are plain CDN URLs; private ones are still presigned and work."""
    storage = make_s3(cdn_base_url="https://cdn.example.com/")
    storage.put("segments/1/hls/index.m3u8", b"#EXTM3U\n")
    assert storage.url("segments/1/hls/index.m3u8") == "https://cdn.example.com/segments/1/hls/index.m3u8"
    private = storage.url("segments/1/hls/index.m3u8", private=True)
    assert private.startswith(f"{s3_endpoint}/{s3_bucket}/segments/1/hls/index.m3u8?")
    assert "X-Amz-Signature=" in private
    assert requests.get(private, timeout=10).content == b"#EXTM3U\n"


def test_media_is_cached_forever_but_playlists_briefly(s3_storage):
    """Media objects carry an immutable year-long Cache-Control; .m3u8 playlists a short one."""
    s3_storage.put("segments/1/hls/seg_000.m4s", b"x")
    s3_storage.put("segments/1/hls/index.m3u8", b"#EXTM3U\n")
    assert _head(s3_storage, "segments/1/hls/seg_000.m4s")["CacheControl"] == IMMUTABLE_CACHE_CONTROL
    assert _head(s3_storage, "segments/1/hls/index.m3u8")["CacheControl"] == PLAYLIST_CACHE_CONTROL


def test_content_type_is_guessed_or_taken_as_given(s3_storage, tmp_path):
    """Stored objects get the HLS/video type from their extension unless a type is passed explicitly."""
    s3_storage.put("segments/1/hls/index.m3u8", b"#EXTM3U\n")
    s3_storage.put("segments/1/hls/seg_000.m4s", io.BytesIO(b"x"))
    s3_storage.put("segments/1/captions.vtt", b"WEBVTT\n", content_type="text/vtt; charset=utf-8")
    poster = tmp_path / "poster.jpg"
    poster.write_bytes(b"jpeg")
    s3_storage.put_file("segments/1/poster.jpg", poster)
    assert _head(s3_storage, "segments/1/hls/index.m3u8")["ContentType"] == "application/vnd.apple.mpegurl"
    assert _head(s3_storage, "segments/1/hls/seg_000.m4s")["ContentType"] == "video/iso.segment"
    assert _head(s3_storage, "segments/1/captions.vtt")["ContentType"] == "text/vtt; charset=utf-8"
    assert _head(s3_storage, "segments/1/poster.jpg")["ContentType"] == "image/jpeg"


def test_large_stream_goes_up_as_multipart(s3_storage):
    """A stream above the multipart threshold is uploaded in parts and reassembled intact."""
    started = _count_calls(s3_storage, "CreateMultipartUpload")
    payload = bytes(range(256)) * (9 * 1024 * 1024 // 256)
    s3_storage.put("segments/1/long.mp4", io.BytesIO(payload))
    assert started, "expected a multipart upload for a 9 MiB stream"
    assert s3_storage.size("segments/1/long.mp4") == len(payload)
    assert s3_storage.read_bytes("segments/1/long.mp4") == payload


def test_delete_prefix_pages_through_more_than_a_thousand_objects(s3_storage):
    """delete_prefix follows list pagination and deletes in batches of 1000, leaving other prefixes alone."""
    keys = [f"segments/9/hls/seg_{number:04d}.m4s" for number in range(1010)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda key: s3_storage.put(key, b"."), keys))
    s3_storage.put("segments/90/clip.mp4", b"keep")
    assert len(s3_storage.list("segments/9/")) == 1010
    assert s3_storage.total_bytes("segments/9/") == 1010

    batches = _count_calls(s3_storage, "DeleteObjects")
    assert s3_storage.delete_prefix("segments/9/") == 1010
    assert len(batches) == 2
    assert s3_storage.list("segments/") == ["segments/90/clip.mp4"]


def test_storage_from_config_builds_a_working_s3_backend(s3_settings):
    """STORAGE_BACKEND=s3 with endpoint, keys and CDN settings yields an S3Storage that really stores bytes."""
    storage = storage_from_config({**s3_settings, "CDN_BASE_URL": "https://cdn.example.com", "MEDIA_URL_TTL": 120})
    assert isinstance(storage, S3Storage)
    storage.put("segments/1/clip.mp4", b"via config")
    assert storage.read_bytes("segments/1/clip.mp4") == b"via config"
    assert storage.url("segments/1/clip.mp4") == "https://cdn.example.com/segments/1/clip.mp4"
    assert parse_qs(urlsplit(storage.url("segments/1/clip.mp4", private=True)).query)["X-Amz-Expires"] == ["120"]
