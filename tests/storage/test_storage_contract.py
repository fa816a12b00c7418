"""The contract every Storage backend keeps, run against LocalStorage and S3Storage alike."""
from __future__ import annotations

import io

import pytest

from app.storage import StorageNotFound


def test_put_bytes_then_read_back(storage):
    """Bytes stored under a key come back unchanged."""
    storage.put("segments/1/clip.mp4", b"\x00\x01video bytes")
    assert storage.read_bytes("segments/1/clip.mp4") == b"\x00\x01video bytes"


def test_put_stream_then_open(storage):
    """A binary stream can be stored and is read back through open()."""
    storage.put("segments/1/poster.jpg", io.BytesIO(b"jpeg" * 1000))
    with storage.open("segments/1/poster.jpg") as fh:
        assert fh.read() == b"jpeg" * 1000


def test_put_replaces_existing_object(storage):
    """Writing a key twice leaves only the second content."""
    storage.put("segments/1/index.m3u8", b"old")
    storage.put("segments/1/index.m3u8", b"new playlist")
    assert storage.read_bytes("segments/1/index.m3u8") == b"new playlist"
    assert storage.size("segments/1/index.m3u8") == len(b"new playlist")


def test_put_file_and_download_to(storage, tmp_path):
    """A file uploaded with put_file downloads into a new folder byte for byte."""
    source = tmp_path / "source.ts"
    source.write_bytes(bytes(range(256)) * 64)
    storage.put_file("segments/2/seg_000.ts", source)
    target = tmp_path / "deep" / "down" / "copy.ts"
    storage.download_to("segments/2/seg_000.ts", target)
    assert target.read_bytes() == source.read_bytes()


def test_missing_key_raises_storage_not_found(storage, tmp_path):
    """Reading, sizing or downloading a missing key raises StorageNotFound, which is a KeyError."""
    with pytest.raises(StorageNotFound):
        storage.open("segments/404/clip.mp4")
    with pytest.raises(StorageNotFound):
        storage.read_bytes("segments/404/clip.mp4")
    with pytest.raises(StorageNotFound):
        storage.size("segments/404/clip.mp4")
    with pytest.raises(KeyError):
        storage.download_to("segments/404/clip.mp4", tmp_path / "x.mp4")


def test_exists_and_delete(storage):
    """exists() follows put and delete; deleting a missing key is harmless."""
    assert not storage.exists("segments/3/clip.mp4")
    storage.put("segments/3/clip.mp4", b"x")
    assert storage.exists("segments/3/clip.mp4")
    storage.delete("segments/3/clip.mp4")
    assert not storage.exists("segments/3/clip.mp4")
    storage.delete("segments/3/clip.mp4")


def test_list_is_sorted_and_filtered_by_prefix(storage):
    """list(prefix) returns only keys starting with the prefix, sorted; a folder's keys don't leak into a sibling's."""
    for key in ["segments/10/b.m4s", "segments/10/a.m4s", "segments/1/a.m4s", "scenes/7/cover.jpg"]:
        storage.put(key, b"x")
    assert storage.list("segments/10/") == ["segments/10/a.m4s", "segments/10/b.m4s"]
    assert storage.list("segments/1/") == ["segments/1/a.m4s"]
    assert storage.list("segments/1") == ["segments/1/a.m4s", "segments/10/a.m4s", "segments/10/b.m4s"]
    assert storage.list() == sorted(storage.list("segments/") + ["scenes/7/cover.jpg"])
    assert storage.list("nothing/here/") == []


def test_delete_prefix_removes_only_that_prefix(storage):
    """delete_prefix removes every key under the prefix, returns the count, and spares its neighbours."""
    for name in ["a.m4s", "b.m4s", "hls/index.m3u8"]:
        storage.put(f"segments/5/{name}", b"x")
    storage.put("segments/55/a.m4s", b"keep")
    assert storage.delete_prefix("segments/5/") == 3
    assert storage.list("segments/") == ["segments/55/a.m4s"]
    assert storage.delete_prefix("segments/5/") == 0


def test_delete_prefix_refuses_empty_prefix(storage):
    """An empty prefix would wipe all media, so delete_prefix refuses it."""
    storage.put("segments/1/a.m4s", b"x")
    with pytest.raises(ValueError):
        storage.delete_prefix("")
    assert storage.exists("segments/1/a.m4s")


def test_size_and_total_bytes(storage):
    """size() is one object's length; total_bytes(prefix) sums every object under the prefix."""
    storage.put("segments/1/a.m4s", b"x" * 100)
    storage.put("segments/1/b.m4s", b"x" * 23)
    storage.put("segments/2/a.m4s", b"x" * 7)
    assert storage.size("segments/1/a.m4s") == 100
    assert storage.total_bytes("segments/1/") == 123
    assert storage.total_bytes() == 130
    assert storage.total_bytes("segments/9/") == 0


def test_fork_shares_parent_media_without_copying(storage):
    """Referencing a parent segment's keys from a fork adds no bytes: only the fork's own segment is stored."""
    storage.put("segments/1/clip.mp4", b"p" * 500)
    before = storage.total_bytes()
    storage.put("segments/2/clip.mp4", b"f" * 40)
    assert storage.total_bytes() == before + 40
    assert storage.read_bytes("segments/1/clip.mp4") == b"p" * 500


@pytest.mark.parametrize(
    "bad_key",
    ["", "/abs/clip.mp4", "../etc/passwd", "segments/../x", "a\\b.mp4", "seg ments/a.mp4", "a//b", "dir/", "é.mp4"],
)
def test_bad_keys_are_refused_by_every_operation(storage, bad_key):
    """Unsafe keys raise ValueError before anything is read or written."""
    with pytest.raises(ValueError):
        storage.put(bad_key, b"x")
    with pytest.raises(ValueError):
        storage.read_bytes(bad_key)
    with pytest.raises(ValueError):
        storage.url(bad_key)
    with pytest.raises(ValueError):
        storage.exists(bad_key)


def test_only_local_storage_has_local_paths(storage):
    """local_path() gives a real file for LocalStorage (for Range serving) and None for S3."""
    storage.put("segments/1/clip.mp4", b"bytes")
    path = storage.local_path("segments/1/clip.mp4")
    if type(storage).__name__ == "LocalStorage":
        assert path.read_bytes() == b"bytes"
    else:
        assert path is None
