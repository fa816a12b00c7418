"""Shared fixtures: an app on a fresh database and a real Redis, a client, a CLI runner, auth helpers."""
from __future__ import annotations

import os
import re
import socket
import threading
from pathlib import Path

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from config import TestingConfig
from tests import factories


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> str:
    """REDIS_URL when set (CI's server), else an embedded redis-server for this test session."""
    if url := os.environ.get("REDIS_URL"):
        yield url
        return
    from app.runtime import embedded_redis

    port = _free_port()
    proc = embedded_redis.start(port, tmp_path_factory.mktemp("redis"))
    yield f"redis://127.0.0.1:{port}/0"
    embedded_redis.stop(proc)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def _schema(database_url, redis_url, tmp_path_factory):
    """Create the schema once per session; each test then starts from empty tables."""
    app = create_app(_config(database_url, redis_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield


def _config(database_url: str, redis_url: str, instance: Path) -> type[TestingConfig]:
    return type(
        "PerTestConfig",
        (TestingConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 30}} if database_url.startswith("sqlite") else {},
            "REDIS_URL": redis_url,
            "REDIS_EMBEDDED": False,
            "INSTANCE_DIR": instance,
            "OUTBOX_DIR": instance / "outbox",
            "MEDIA_ROOT": str(instance / "media"),
            "WORK_DIR": instance / "work",
        },
    )


@pytest.fixture
def app(_schema, database_url, redis_url, tmp_path):
    app = create_app(_config(database_url, redis_url, tmp_path / "instance"))
    with app.app_context():
        from app.extensions import redis_client

        redis_client().flushdb()
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _empty_tables() -> None:
    tables = db.metadata.sorted_tables
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("PRAGMA foreign_keys=OFF"))  # outside a transaction: the DELETEs below start one
            for table in reversed(tables):
                conn.execute(table.delete())
            conn.execute(text("DELETE FROM sqlite_sequence"))  # AUTOINCREMENT ids start at 1 again, as on PostgreSQL


@pytest.fixture
def client(app):
    return app.test_client()


class OwnContextClient(FlaskClient):
    """A test client whose every request runs in a fresh app context, as on a real server: what one
    client's request leaves in ``g`` (the signed-in user, the CSRF token) never reaches another client."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def new_client(app):
    """Make separate browsers: ``new_client("203.0.113.9")`` is a client calling from that address."""

    def make(address: str | None = None) -> OwnContextClient:
        client = OwnContextClient(app, app.response_class, use_cookies=True)
        if address:
            client.environ_base["REMOTE_ADDR"] = address
        return client

    return make


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', html
    )
    assert match, "page has no CSRF token"
    return match.group(1)


class AuthActions:
    """Sign in and out through the real forms (with their CSRF tokens)."""

    def __init__(self, client):
        self.client = client

    def csrf(self, path: str = "/auth/login") -> str:
        return csrf_token_from(self.client.get(path).get_data(as_text=True))

    def login(self, identifier: str = "mara", password: str = factories.PASSWORD, remember: bool = False):
        data = {"identifier": identifier, "password": password, "csrf_token": self.csrf()}
        if remember:
            data["remember"] = "y"
        return self.client.post("/auth/login", data=data)

    def logout(self):
        return self.client.post("/auth/logout", data={"csrf_token": self.csrf("/")})


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def user(app):
    return factories.make_user("mara")


def run_worker(queues=("generate",)) -> None:
    """Run an RQ worker in this process until the queues are empty (jobs run in the test's app context)."""
    from rq import SimpleWorker

    from app.extensions import redis_client

    SimpleWorker(list(queues), connection=redis_client()).work(burst=True, with_scheduler=False)
    # Jobs end by removing the session; requests made inside the test's app context share its `g`,
    # so forget the signed-in user object that belonged to the removed session.
    g.pop("_login_user", None)


@pytest.fixture
def worker():
    return run_worker


@pytest.fixture
def live_server(app):
    """The app served over real HTTP from a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


class QueryCounter:
    """Counts the SQL statements the app sends while active (``with queries: client.get(...)``)."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _count(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self):
        from sqlalchemy import event

        db.session.remove()  # start cold, as a request does: nothing already in the identity map
        self.statements = []
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._count)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def queries(app):
    return QueryCounter(db.engine)


RUNWAY_KEY = "sk-stub-runway"


@pytest.fixture(scope="session")
def runway_server():
    """A Runway-protocol stub server for the session (tests/providers has its own, without an app)."""
    from tests.stubs.runway_stub import RunwayStub

    with RunwayStub(api_key=RUNWAY_KEY) as stub:
        yield stub


@pytest.fixture
def runway_stub(app, runway_server):
    """The Runway stub, reset, with the app pointed at it."""
    runway_server.reset()
    app.config.update(VIDEO_PROVIDER="runway", RUNWAY_API_KEY=RUNWAY_KEY, RUNWAY_API_BASE=runway_server.url,
                      JOB_RETRY_DELAYS=[0, 0, 0])
    return runway_server
