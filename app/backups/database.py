"""The database's part of a backup: ``pg_dump`` in custom format for PostgreSQL, the online backup API for
SQLite; restored only into a database with no tables at all."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine, make_url


class DatabaseError(Exception):
    """The database could not be dumped or restored; the message says why and what to do."""


def dump(engine: Engine, path: Path) -> str:
    """Write a consistent copy of the database to ``path``; returns the file name it should carry."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        target = sqlite3.connect(path)
        try:
            source.backup(target)  # the online backup API: a consistent copy while the site keeps writing
        finally:
            target.close()
            source.close()
        return "database.sqlite3"
    if url.get_backend_name() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={path}", _libpq(url)], url)
        return "database.dump"
    raise DatabaseError(f"backups support PostgreSQL and SQLite, not {url.get_backend_name()}")


def restore(engine: Engine, path: Path, name: str) -> None:
    """Load the dump at ``path`` into the (empty) database ``engine`` points to."""
    refuse_unless_empty(engine)
    url = engine.url
    if name == "database.sqlite3" and url.get_backend_name() == "sqlite":
        engine.dispose()
        source = sqlite3.connect(path)
        target = sqlite3.connect(_sqlite_path(url))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    if name == "database.dump" and url.get_backend_name() == "postgresql":
        engine.dispose()
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              f"--dbname={_libpq(url)}", str(path)], url)
        return
    raise DatabaseError(f"this backup holds {name}, which cannot be restored into {url.get_backend_name()}; "
                        "restore it into the kind of database it came from")


def check_dump(path: Path, name: str) -> None:
    """Raise DatabaseError unless the dump file reads as a database of its kind."""
    if name == "database.sqlite3":
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise DatabaseError(f"the SQLite copy is damaged: {exc}") from exc
        finally:
            connection.close()
        if result != "ok":
            raise DatabaseError(f"the SQLite copy is damaged: {result}")
    elif name == "database.dump":
        _run(["pg_restore", "--list", str(path)], None)
    else:
        raise DatabaseError(f"unknown database file {name}")


def refuse_unless_empty(engine: Engine) -> None:
    tables = inspect(engine).get_table_names()
    if tables:
        raise DatabaseError(f"the database to restore into already has {len(tables)} tables "
                            f"({', '.join(sorted(tables)[:3])} …); restore into a new, empty database")


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table (the schema's own and Alembic's)."""
    inspector = inspect(engine)
    with engine.connect() as connection:
        return {name: connection.execute(select(func.count()).select_from(text(_quoted(engine, name)))).scalar_one()
                for name in sorted(inspector.get_table_names())}


def revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if "alembic_version" not in inspect(connection).get_table_names():
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _quoted(engine: Engine, name: str) -> str:
    return engine.dialect.identifier_preparer.quote(name)


def _sqlite_path(url) -> str:
    if not url.database or url.database == ":memory:":
        raise DatabaseError("an in-memory SQLite database cannot be backed up; configure a file")
    return url.database


def _libpq(url) -> str:
    """The URL as libpq reads it (no SQLAlchemy driver name, no password: that travels in PGPASSWORD)."""
    return make_url(url).set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(command: list[str], url) -> None:
    if shutil.which(command[0]) is None:
        raise DatabaseError(f"{command[0]} is not installed; install the PostgreSQL client (postgresql-client)")
    env = {**os.environ}
    if url is not None and url.password:
        env["PGPASSWORD"] = url.password
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise DatabaseError(f"{command[0]} failed: {result.stderr.strip()[:500]}")
