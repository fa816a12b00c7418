"""Request ids: taken from ``X-Request-ID`` (or made), returned in the response, carried into jobs and
provider calls, and written on every log line.

The current id lives in a context variable, so log records, RQ jobs and outgoing HTTP calls read it
without a Flask request around them.
"""
from __future__ import annotations

import os
import re
from contextvars import ContextVar

from flask import has_request_context

HEADER = "X-Request-ID"
# an id we accept from a client or a proxy: short, printable, nothing that could forge a log field
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:-]{8,128}")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_job_id: ContextVar[str | None] = ContextVar("job_id", default=None)
_user_id: ContextVar[int | None] = ContextVar("user_id", default=None)


def new_request_id() -> str:
    return os.urandom(16).hex()  # as unique as a UUID4, at a tenth of the cost


def current_request_id() -> str | None:
    """The id of the request (or of the request that queued the running job), if any."""
    return _request_id.get()


def current_job_id() -> str | None:
    return _job_id.get()


def current_user_id() -> int | None:
    """The signed-in account in a request; in a job, the account whose request queued it."""
    if has_request_context():
        from flask_login import current_user

        return current_user.id if current_user and current_user.is_authenticated else None
    return _user_id.get()


def adopt(request_id: str | None, job_id: str | None = None, user_id: int | None = None):
    """Make ``request_id`` (and ``job_id``, ``user_id``) current; returns the tokens ``release`` takes back."""
    return _request_id.set(request_id), _job_id.set(job_id), _user_id.set(user_id)


def release(tokens) -> None:
    request_token, job_token, user_token = tokens
    _request_id.reset(request_token)
    _job_id.reset(job_token)
    _user_id.reset(user_token)


def incoming_request_id(value: str | None) -> str:
    """The client's id when it is acceptable, else a new one."""
    return value if value and _ACCEPTABLE.fullmatch(value) else new_request_id()
