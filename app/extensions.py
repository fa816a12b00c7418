"""Extension objects, created once and bound to the app in create_app()."""
from __future__ import annotations

import json
import re
import sqlite3

import orjson
from flask import current_app
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from redis import Redis
from rq import Queue
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from app.observability.jobs import TracedQueue

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@event.listens_for(Engine, "connect")
def _sqlite_enforces_foreign_keys(dbapi_connection, connection_record) -> None:
    """SQLite checks foreign keys (and runs their ON DELETE actions) only when each connection asks."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA foreign_keys=ON")


#: a run of digits that may be an integer past 64 bits, which orjson would read as a float
_LONG_NUMBER = re.compile(rb"\d{19}")


def json_column_value(text: str | bytes):
    """A JSON column's stored text as Python values: orjson, several times faster than the standard library on
    the many small documents a page reads (a 200-segment scene has 800). What orjson refuses (NaN, which
    SQLite keeps) or would read differently (an integer past 64 bits) is read by the standard library."""
    raw = text.encode() if isinstance(text, str) else text
    if _LONG_NUMBER.search(raw) is None:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw)


db = SQLAlchemy(model_class=Base, engine_options={"json_deserializer": json_column_value})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
cache = Cache()


def redis_client() -> Redis:
    """The app's Redis connection (one per process, created on first use)."""
    ext = current_app.extensions
    if "sf_redis" not in ext:
        ext["sf_redis"] = Redis.from_url(current_app.config["REDIS_URL"])
    return ext["sf_redis"]


def storage():
    """The configured media Storage (local folder or S3), one per process."""
    ext = current_app.extensions
    if "sf_storage" not in ext:
        from app.observability.metered_storage import MeteredStorage
        from app.storage import storage_from_config

        backend = storage_from_config(current_app.config)
        ext["sf_storage"] = MeteredStorage(backend, current_app.config["STORAGE_BACKEND"])
    return ext["sf_storage"]


def queue(name: str = "default") -> Queue:
    """A named RQ queue on the app's Redis (its jobs carry the current request id)."""
    return TracedQueue(name, connection=redis_client(), is_async=current_app.config.get("RQ_ASYNC", True))
