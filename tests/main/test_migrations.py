"""Alembic migrations build exactly the models' schema, on SQLite and (in CI) PostgreSQL."""
import os
import re
import secrets
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import db
from tests.conftest import _config


def _schema_diff(app) -> list:
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(ctx, db.metadata)


def _migrated_app(url: str, redis_url: str, instance):
    app = create_app(_config(url, redis_url, instance))
    with app.app_context():
        upgrade()
        return app, _schema_diff(app)


def test_upgrade_on_empty_sqlite_matches_models(tmp_path, redis_url):
    """`flask db upgrade` on an empty SQLite file gives the models' schema, no more, no less."""
    app, diff = _migrated_app(f"sqlite:///{tmp_path / 'fresh.db'}", redis_url, tmp_path)
    assert diff == []


needs_postgresql = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="set TEST_DATABASE_URL to a PostgreSQL database to check migrations there (CI does)")


@contextmanager
def _postgresql_schema():
    """The URL of a fresh, empty schema in the test PostgreSQL database, dropped afterwards."""
    base = os.environ["TEST_DATABASE_URL"]
    schema = f"mig_{secrets.token_hex(4)}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        sep = "&" if "?" in base else "?"
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@needs_postgresql
def test_upgrade_on_empty_postgresql_matches_models(tmp_path, redis_url):
    """`flask db upgrade` on an empty PostgreSQL schema gives the models' schema exactly."""
    with _postgresql_schema() as url:
        app, diff = _migrated_app(url, redis_url, tmp_path)
        assert diff == []
        with app.app_context():
            db.engine.dispose()


BEFORE_PUBLIC_IDS = "56738ad07e97"
NOW = "'2026-01-01 00:00:00'"


def _upgrade_with_rows_made_before_public_ids(url: str, redis_url: str, instance) -> dict[str, list[str]]:
    """Migrate to the revision before public ids, store scenes, segments and jobs, upgrade; the public ids."""
    app = create_app(_config(url, redis_url, instance))
    with app.app_context():
        upgrade(revision=BEFORE_PUBLIC_IDS)
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO users (id, email, username, password_hash, role, failed_logins, created_at, "
                              f"updated_at) VALUES (1, 'm@example.com', 'mara', 'x', 'user', 0, {NOW}, {NOW})"))
            conn.execute(text("INSERT INTO topics (id, slug, name, description, hue, motif, position, created_at, "
                              f"updated_at) VALUES (1, 'sea', 'Sea', 'The sea.', 200, 'waves', 1, {NOW}, {NOW})"))
            for i in range(1, 1201):  # more than one backfill batch
                conn.execute(text("INSERT INTO scenes (id, title, topic_id, owner_id, visibility, segment_count, "
                                  f"total_duration, created_at, updated_at) VALUES ({i}, 'S', 1, 1, 'unlisted', 1, 5, "
                                  f"{NOW}, {NOW})"))
            for i in range(1, 4):
                conn.execute(text("INSERT INTO segments (id, scene_id, position, author_id, status, prompt, provider, "
                                  "seed, width, height, fps, media_prefix, created_at, updated_at) VALUES "
                                  f"({i}, {i}, 1, 1, 'pending', 'p', 'local', 1, 640, 360, 24, '', {NOW}, {NOW})"))
                conn.execute(text("INSERT INTO generation_jobs (id, segment_id, user_id, status, stage, progress, "
                                  "message, attempts, provider, artifacts, created_at, updated_at) VALUES "
                                  f"({i}, {i}, 1, 'queued', 'queued', 0, 'm', 0, 'local', '{{}}', {NOW}, {NOW})"))
        upgrade()
        with db.engine.connect() as conn:
            ids = {table: [row[0] for row in conn.execute(text(f"SELECT public_id FROM {table}"))]
                   for table in ("scenes", "segments", "generation_jobs")}
        assert _schema_diff(app) == []
        db.engine.dispose()
    return ids


def _assert_unique_public_ids(ids: dict[str, list[str]]) -> None:
    assert [len(v) for v in ids.values()] == [1200, 3, 3]
    every = [token for tokens in ids.values() for token in tokens]
    assert all(re.fullmatch(r"[A-Za-z0-9]{12}", token) and not token.isdigit() for token in every)
    assert len(set(every)) == len(every)


def test_upgrade_gives_existing_sqlite_rows_unique_public_ids(tmp_path, redis_url):
    """The public-id migration backfills every existing scene, segment and job on SQLite (batch mode)."""
    _assert_unique_public_ids(_upgrade_with_rows_made_before_public_ids(
        f"sqlite:///{tmp_path / 'old.db'}", redis_url, tmp_path))


@needs_postgresql
def test_upgrade_gives_existing_postgresql_rows_unique_public_ids(tmp_path, redis_url):
    """The public-id migration backfills every existing scene, segment and job on PostgreSQL."""
    with _postgresql_schema() as url:
        _assert_unique_public_ids(_upgrade_with_rows_made_before_public_ids(url, redis_url, tmp_path))
