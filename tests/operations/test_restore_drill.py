"""The restore drill: a site with scenes, a fork, Bible corrections and media is backed up, restored into
an empty database (PostgreSQL in CI) and an empty storage root, and comes back identical and playable."""
from __future__ import annotations

import hashlib
import re
import subprocess
import threading
import uuid

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app import create_app
from app.continuity.store import correct_bible
from app.extensions import db
from app.media.ffmpeg import ffmpeg_exe
from app.models import Scene, User
from app.models.paths import segment_path
from app.story.writing import continue_scene, fork_at
from tests.conftest import _config
from tests.factories import build_scene, make_user, scene_url
from tests.storage.conftest import ACCESS_KEY, SECRET_KEY, make_s3_storage


@pytest.fixture
def empty_database(database_url, tmp_path):
    """A new, empty database of the test database's kind: a PostgreSQL database beside it, or a SQLite file."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"{url.database}_restore_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def build_site(user, worker) -> list[Scene]:
    """Three scenes' worth of story: a three-segment scene, its corrected Bible, and a fork that went on."""
    user_id = user.id
    scene = db.session.get(Scene, build_scene(user, worker))
    correct_bible(scene, db.session.get(User, user_id), op="create", key="character", value="Ansel")
    db.session.commit()
    reader = make_user("ilse")
    fork = fork_at(scene, segment_path(scene.head_segment_id)[1], reader, title="The other harbour")
    db.session.commit()
    ids = [scene.id, fork.id]
    continue_scene(fork, reader, "Ilse rows out past the breakwater.", fork.head_segment_id)
    worker()
    return [db.session.get(Scene, scene_id) for scene_id in ids]


def all_rows(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    rows = {}
    inspector = inspect(engine)
    with engine.connect() as connection:
        for name in sorted(inspector.get_table_names()):
            table = db.metadata.tables.get(name)
            if table is None:
                continue
            rows[name] = [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key.columns))]
    return rows


def media_checksums(storage) -> dict[str, str]:
    return {key: hashlib.sha256(storage.read_bytes(key)).hexdigest() for key in storage.list("")}


def decoded_seconds(url: str) -> float:
    """Seconds of video ffmpeg decodes from the playlist at ``url`` (it fails on any broken part)."""
    done = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", url, "-map", "0:v:0", "-f", "null", "-",
                           "-progress", "pipe:1", "-nostats"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not done.stderr.strip(), done.stderr[-2000:]
    return int(re.findall(r"out_time_us=(\d+)", done.stdout)[-1]) / 1_000_000


def test_a_backup_restores_into_an_empty_database_and_storage_identically_and_plays(
        app, user, worker, runner, redis_url, empty_database, tmp_path):
    """Back up, restore into an empty database and media root: every table's rows and every media
    checksum are identical, and ffmpeg decodes each restored scene's playlist end to end."""
    scenes = build_site(user, worker)
    durations = [scene.total_duration for scene in scenes]
    assert [scene.segment_count for scene in scenes] == [3, 3]
    source_rows = all_rows(db.engine)
    source_media = media_checksums(app.extensions["sf_storage"])
    assert source_rows["scenes"] and source_rows["bible_changes"] and len(source_media) > 10

    location = str(tmp_path / "backup")
    made = runner.invoke(args=["backup", "create", location])
    assert made.exit_code == 0, made.output
    checked = runner.invoke(args=["backup", "verify", location])
    assert checked.exit_code == 0 and "backup is whole" in checked.output, checked.output

    restored = create_app(_config(empty_database, redis_url, tmp_path / "restored"))
    with restored.app_context():
        done = restored.test_cli_runner().invoke(args=["backup", "restore", "--yes", location])
        assert done.exit_code == 0, done.output
        assert all_rows(db.engine) == source_rows
        assert media_checksums(restored.extensions["sf_storage"]) == source_media
        db.session.remove()

    server = make_server("127.0.0.1", 0, restored, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for scene, duration in zip(scenes, durations, strict=True):
            with restored.app_context():
                url = f"http://127.0.0.1:{server.server_port}" + scene_url(scene, "/playlist.m3u8")
            assert decoded_seconds(url) == pytest.approx(duration, abs=0.5), scene.title
    finally:
        server.shutdown()
        thread.join(5)


def test_restore_refuses_a_database_that_is_not_empty(app, user, worker, runner, tmp_path):
    """Restoring over a live site is refused with a clear message, and nothing is written."""
    build_scene(user, worker)
    location = str(tmp_path / "backup")
    assert runner.invoke(args=["backup", "create", location]).exit_code == 0
    result = runner.invoke(args=["backup", "restore", "--yes", location])
    assert result.exit_code != 0 and "restore into a new, empty database" in result.output


def test_verify_finds_a_damaged_media_object(app, user, worker, runner, tmp_path):
    """A media file changed after the backup is named by verify, and restore refuses the backup."""
    build_scene(user, worker)
    location = tmp_path / "backup"
    assert runner.invoke(args=["backup", "create", str(location)]).exit_code == 0
    damaged = next(p for p in (location / "media").rglob("*.ts"))
    damaged.write_bytes(damaged.read_bytes()[:-100])
    result = runner.invoke(args=["backup", "verify", str(location)])
    assert result.exit_code != 0 and "checksum differs from the manifest" in result.output
    assert damaged.name in result.output


def test_a_backup_to_an_s3_prefix_verifies_and_restores(app, user, worker, runner, redis_url, s3_endpoint,
                                                        s3_bucket, empty_database, tmp_path):
    """``s3://bucket/prefix`` works like a folder: create, verify and restore go through the S3 API."""
    build_scene(user, worker, prompts=["Gulls circle the lighthouse."])
    source_media = media_checksums(app.extensions["sf_storage"])
    credentials = {"S3_ENDPOINT_URL": s3_endpoint, "S3_ACCESS_KEY_ID": ACCESS_KEY, "S3_SECRET_ACCESS_KEY": SECRET_KEY}
    app.config.update(credentials)
    location = f"s3://{s3_bucket}/nightly/2026-12-01"
    assert runner.invoke(args=["backup", "create", location]).exit_code == 0
    keys = make_s3_storage(s3_endpoint, s3_bucket).list("nightly/2026-12-01/")
    assert "nightly/2026-12-01/manifest.json" in keys and len(keys) == len(source_media) + 2
    assert runner.invoke(args=["backup", "verify", location]).exit_code == 0

    restored = create_app(_config(empty_database, redis_url, tmp_path / "restored"))
    restored.config.update(credentials)
    with restored.app_context():
        done = restored.test_cli_runner().invoke(args=["backup", "restore", "--yes", location])
        assert done.exit_code == 0, done.output
        assert media_checksums(restored.extensions["sf_storage"]) == source_media
        db.session.remove()
