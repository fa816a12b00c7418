"""What every request does for the operator, in one hook on each side of the view: take (or make) its
request id, time it, count its SQL statements, and on the way out return the id and count the answer.

One ``before_request``, one ``after_request`` and one ``teardown_request`` (rather than one pair per
concern), one context variable read per SQL statement, and the labelled series looked up once per
endpoint, method and status: this runs on every page and API read, so it is kept to a few microseconds.
"""
from __future__ import annotations

import contextlib
import time
from contextvars import ContextVar

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.observability import metrics, trace


class RequestTrace:
    """The observability state of one request."""

    __slots__ = ("request_id", "started", "statements", "counted", "tokens")

    def __init__(self, request_id: str):
        self.request_id = request_id
        self.started = time.perf_counter()
        self.statements = 0
        self.counted = True
        self.tokens = trace.adopt(request_id)


_current: ContextVar[RequestTrace | None] = ContextVar("request_trace", default=None)


def leave_uncounted() -> None:
    """Keep this request out of the request series (``/metrics`` itself)."""
    if (current := _current.get()) is not None:
        current.counted = False


def _begin() -> None:
    _current.set(RequestTrace(trace.incoming_request_id(request.headers.get(trace.HEADER))))


def _finish(response):
    current = _current.get()
    if current is None:
        return response
    response.headers[trace.HEADER] = current.request_id
    if current.counted:
        rule = request.url_rule
        metrics.count_request(rule.endpoint if rule is not None else "unmatched", request.method,
                              response.status_code, time.perf_counter() - current.started, current.statements)
    return response


def _forget(exc) -> None:
    current = _current.get()
    if current is None:
        return
    _current.set(None)
    # torn down in another context than it was set in: nothing of ours to reset
    with contextlib.suppress(ValueError):
        trace.release(current.tokens)


def _count_statement(conn, cursor, statement, parameters, context, executemany) -> None:
    if (current := _current.get()) is not None:
        current.statements += 1


def register(app: Flask) -> None:
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_forget)
    if not event.contains(Engine, "before_cursor_execute", _count_statement):
        event.listen(Engine, "before_cursor_execute", _count_statement)
