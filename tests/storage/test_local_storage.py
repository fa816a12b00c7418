"""LocalStorage specifics: atomic writes, media URLs, signed private URLs, tidy folders, config."""
from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlsplit

import pytest

from app.storage import LocalStorage, UrlSigner, storage_from_config


class _BrokenStream:
    """A stream that yields some bytes, then fails like a dropped upload."""

    def __init__(self):
        self.calls = 0

    def read(self, size=-1):
        self.calls += 1
        if self.calls == 1:
            return b"partial"
        raise OSError("connection reset while reading the upload")


def test_failed_write_keeps_old_file_and_leaves_no_temp_files(local_storage, tmp_path):
    """A write that fails halfway leaves the previous content intact and no stray files behind."""
    local_storage.put("segments/1/clip.mp4", b"complete old clip")
    with pytest.raises(OSError):
        local_storage.put("segments/1/clip.mp4", _BrokenStream())
    assert local_storage.read_bytes("segments/1/clip.mp4") == b"complete old clip"
    assert [p.name for p in (tmp_path / "media" / "segments" / "1").iterdir()] == ["clip.mp4"]


def test_readers_never_see_a_half_written_file(local_storage):
    """While one thread rewrites a file over and over, readers only ever see a whole old or whole new version."""
    versions = [b"a" * 300_000, b"b" * 300_000]
    local_storage.put("segments/1/clip.mp4", versions[0])
    done = threading.Event()
    torn: list[int] = []

    def read_repeatedly():
        while not done.is_set():
            data = local_storage.read_bytes("segments/1/clip.mp4")
            if data not in versions:
                torn.append(len(data))

    reader = threading.Thread(target=read_repeatedly)
    reader.start()
    try:
        for round_number in range(60):
            local_storage.put("segments/1/clip.mp4", versions[round_number % 2])
    finally:
        done.set()
        reader.join()
    assert torn == []


def test_public_url_uses_the_media_prefix(tmp_path):
    """Public local URLs are the configured prefix plus the key, ready for the Range-serving route."""
    storage = LocalStorage(tmp_path, url_prefix="/static-media/")
    assert storage.url("segments/1/hls/index.m3u8") == "/static-media/segments/1/hls/index.m3u8"


def test_private_url_carries_a_signature_the_signer_accepts(local_storage):
    """A private URL has exp and sig query values that verify for its key and for no other key."""
    url = local_storage.url("segments/1/clip.mp4", private=True, expires_in=300)
    parts = urlsplit(url)
    assert parts.path == "/media/segments/1/clip.mp4"
    query = parse_qs(parts.query)
    exp, sig = query["exp"][0], query["sig"][0]
    assert local_storage.signer.verify("segments/1/clip.mp4", exp, sig)
    assert not local_storage.signer.verify("segments/2/clip.mp4", exp, sig)
    assert not local_storage.signer.verify("segments/1/clip.mp4", exp, sig, now=int(exp) + 1)


def test_private_url_without_a_signer_is_refused(tmp_path):
    """Asking for a private URL with no signer configured fails loudly instead of leaking a public URL."""
    with pytest.raises(RuntimeError, match="UrlSigner"):
        LocalStorage(tmp_path).url("segments/1/clip.mp4", private=True)


def test_deleting_files_removes_emptied_folders_but_not_the_root(local_storage, tmp_path):
    """delete and delete_prefix tidy away folders they empty, and never remove the media root."""
    local_storage.put("segments/1/hls/seg_000.m4s", b"x")
    local_storage.put("segments/1/clip.mp4", b"x")
    local_storage.delete("segments/1/hls/seg_000.m4s")
    assert not (tmp_path / "media" / "segments" / "1" / "hls").exists()
    local_storage.delete_prefix("segments/")
    assert (tmp_path / "media").is_dir()
    assert list((tmp_path / "media").iterdir()) == []


def test_local_path_points_at_the_stored_file(local_storage):
    """local_path() returns the file to serve, and raises StorageNotFound (a KeyError) for missing keys."""
    local_storage.put("segments/1/clip.mp4", b"bytes")
    assert local_storage.local_path("segments/1/clip.mp4").read_bytes() == b"bytes"
    with pytest.raises(KeyError):
        local_storage.local_path("segments/1/missing.mp4")


def test_storage_from_config_builds_local_storage_with_a_signer(tmp_path):
    """STORAGE_BACKEND=local uses MEDIA_ROOT, MEDIA_URL_PREFIX, MEDIA_URL_TTL and signs with SECRET_KEY."""
    storage = storage_from_config(
        {
            "STORAGE_BACKEND": "local",
            "MEDIA_ROOT": str(tmp_path / "m"),
            "MEDIA_URL_PREFIX": "/files",
            "MEDIA_URL_TTL": 60,
            "SECRET_KEY": "app-secret",
        }
    )
    storage.put("segments/1/clip.mp4", b"x")
    assert (tmp_path / "m" / "segments" / "1" / "clip.mp4").read_bytes() == b"x"
    assert storage.url("segments/1/clip.mp4") == "/files/segments/1/clip.mp4"
    query = parse_qs(urlsplit(storage.url("segments/1/clip.mp4", private=True)).query)
    assert UrlSigner("app-secret").verify("segments/1/clip.mp4", query["exp"][0], query["sig"][0])


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"STORAGE_BACKEND": "ftp"}, "unknown STORAGE_BACKEND"),
        ({"STORAGE_BACKEND": "s3"}, "S3_BUCKET"),
        ({"STORAGE_BACKEND": "local"}, "MEDIA_ROOT"),
    ],
)
def test_storage_from_config_explains_bad_settings(config, message):
    """A wrong or incomplete storage configuration names the setting to fix."""
    with pytest.raises(ValueError, match=message):
        storage_from_config(config)
