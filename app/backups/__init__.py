"""Backups of a whole site: the database and every media object, with a manifest of checksums.

A backup is a folder or an S3 prefix holding ``manifest.json``, the database file (``database.dump``
from ``pg_dump --format=custom``, or ``database.sqlite3`` from SQLite's online backup API) and
``media/<key>`` for every stored object. The database is copied first: media objects never change once
written, so every object a dumped row names is there when the media are copied after it.

``restore_backup`` only writes into an empty database and an empty storage, and checks every row count
and checksum against the manifest when it is done; ``verify_backup`` checks a backup without restoring it.
"""
from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from app.backups.archive import Archive, archive_at, copy_hashing, file_sha256
from app.backups.database import (
    DatabaseError,
    check_dump,
    dump,
    refuse_unless_empty,
    restore,
    revision,
    row_counts,
)
from app.extensions import db, storage
from app.storage import StorageNotFound

FORMAT = 1
Say = Callable[[str], None]


class BackupError(Exception):
    """A backup could not be made, checked or restored; the message says why and what to do."""


@dataclass
class Report:
    """What a check found: ``problems`` is empty when the backup is whole."""

    manifest: dict
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def create_backup(location: str, say: Say = lambda _: None) -> dict:
    """Back the site up to ``location`` (a folder or ``s3://bucket/prefix``); returns the manifest."""
    archive = archive_at(location, current_app.config)
    if archive.exists("manifest.json"):
        raise BackupError(f"{archive.label} already holds a backup; choose a new location")
    engine = db.engine
    with tempfile.TemporaryDirectory() as work:
        say("copying the database")
        path = Path(work) / "database"
        try:
            name = dump(engine, path)
        except DatabaseError as exc:
            raise BackupError(str(exc)) from exc
        database = {"dialect": engine.url.get_backend_name(), "file": name, "bytes": path.stat().st_size,
                    "sha256": file_sha256(path), "revision": revision(engine), "tables": row_counts(engine)}
        archive.put_file(name, path)
    media = _copy_media(storage(), archive, say)
    manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "release": current_app.config.get("RELEASE"), "database": database,
                "media": {"count": len(media), "bytes": sum(m["bytes"] for m in media), "objects": media}}
    archive.put_bytes("manifest.json", json.dumps(manifest, indent=1).encode())  # last: a backup without one is unfinished
    say(f"backed up {sum(database['tables'].values())} rows in {len(database['tables'])} tables and "
        f"{len(media)} media objects ({manifest['media']['bytes']} bytes) to {archive.label}")
    return manifest


def _copy_media(source, archive: Archive, say: Say) -> list[dict]:
    keys = sorted(source.list(""))
    say(f"copying {len(keys)} media objects")
    objects = []
    with tempfile.TemporaryDirectory() as work:
        for key in keys:
            path = Path(work) / "object"
            with source.open(key) as stream, open(path, "wb") as copy:
                digest = copy_hashing(stream, copy)
            archive.put_file(f"media/{key}", path)
            objects.append({"key": key, "bytes": path.stat().st_size, "sha256": digest})
    return objects


def read_manifest(archive: Archive) -> dict:
    try:
        manifest = json.loads(archive.read_bytes("manifest.json"))
    except StorageNotFound as exc:
        raise BackupError(f"{archive.label} holds no finished backup (no manifest.json)") from exc
    except ValueError as exc:
        raise BackupError(f"the manifest in {archive.label} is not valid JSON: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"the backup in {archive.label} has format {manifest.get('format')}; this site reads {FORMAT}")
    return manifest


def verify_backup(location: str, say: Say = lambda _: None) -> Report:
    """Check that the backup at ``location`` is whole: the database file and every media object are there
    with the checksums the manifest recorded, and the database file reads as a database."""
    archive = archive_at(location, current_app.config)
    report = Report(read_manifest(archive))
    database = report.manifest["database"]
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / database["file"]
        try:
            if archive.fetch(database["file"], path) != database["sha256"]:
                report.problems.append(f"{database['file']}: checksum differs from the manifest")
            else:
                check_dump(path, database["file"])
        except StorageNotFound:
            report.problems.append(f"{database['file']} is missing")
        except DatabaseError as exc:
            report.problems.append(str(exc))
        media = report.manifest["media"]["objects"]
        say(f"checking {len(media)} media objects")
        for item in media:
            try:
                if archive.fetch(f"media/{item['key']}", Path(work) / "object") != item["sha256"]:
                    report.problems.append(f"media/{item['key']}: checksum differs from the manifest")
            except StorageNotFound:
                report.problems.append(f"media/{item['key']} is missing")
    return report


def restore_backup(location: str, say: Say = lambda _: None) -> dict:
    """Restore the backup at ``location`` into this site's (empty) database and (empty) storage, then
    check every table's row count and every object's checksum; returns the manifest."""
    archive = archive_at(location, current_app.config)
    say("checking the backup")
    report = verify_backup(location, say)
    if not report.ok:
        raise BackupError("the backup is damaged, nothing was restored: " + "; ".join(report.problems[:5]))
    try:
        refuse_unless_empty(db.engine)
    except DatabaseError as exc:
        raise BackupError(str(exc)) from exc
    target = storage()
    if target.list(""):
        raise BackupError("the media storage is not empty; restore into an empty folder or bucket")
    manifest = report.manifest
    database = manifest["database"]
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / database["file"]
        archive.fetch(database["file"], path)
        say("restoring the database")
        try:
            restore(db.engine, path, database["file"])
        except DatabaseError as exc:
            raise BackupError(str(exc)) from exc
        say(f"restoring {manifest['media']['count']} media objects")
        for item in manifest["media"]["objects"]:
            copy = Path(work) / "object"
            archive.fetch(f"media/{item['key']}", copy)
            target.put_file(item["key"], copy)
    _check_restored(manifest, target)
    say(f"restored {sum(database['tables'].values())} rows and {manifest['media']['count']} media objects")
    return manifest


def _check_restored(manifest: dict, target) -> None:
    db.engine.dispose()
    counts = row_counts(db.engine)
    wrong = {name: (rows, counts.get(name)) for name, rows in manifest["database"]["tables"].items()
             if counts.get(name) != rows}
    if wrong:
        raise BackupError(f"restored tables differ from the backup (expected, found): {wrong}")
    with tempfile.TemporaryDirectory() as work:
        for item in manifest["media"]["objects"]:
            with target.open(item["key"]) as stream, open(Path(work) / "object", "wb") as copy:
                if copy_hashing(stream, copy) != item["sha256"]:
                    raise BackupError(f"restored media object {item['key']} differs from the backup")
