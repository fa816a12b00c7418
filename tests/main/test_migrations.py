"""Alembic migrations build exactly the models' schema, on SQLite and (in CI) PostgreSQL."""
import os
import secrets

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


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="set TEST_DATABASE_URL to a PostgreSQL database to check migrations there (CI does)")
def test_upgrade_on_empty_postgresql_matches_models(tmp_path, redis_url):
    """`flask db upgrade` on an empty PostgreSQL schema gives the models' schema exactly."""
    base = os.environ["TEST_DATABASE_URL"]
    schema = f"mig_{secrets.token_hex(4)}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        sep = "&" if "?" in base else "?"
        url = f"{base}{sep}options=-csearch_path%3D{schema}"
        app, diff = _migrated_app(url, redis_url, tmp_path)
        assert diff == []
        with app.app_context():
            db.engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
