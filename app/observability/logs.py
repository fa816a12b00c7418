"""One JSON object per log line (``LOG_FORMAT=json``, the default) or readable text for people
(``LOG_FORMAT=text``); every line carries the request id and, inside a job, the job id."""
from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from app.observability.trace import current_job_id, current_request_id

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
# loggers that install a handler of their own unless one is there already
OWN_HANDLER_LOGGERS = ("rq.worker", "rq.scheduler")


class TraceFilter(logging.Filter):
    """Stamp each record with the current request id and job id (``-`` outside a request or job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        record.job_id = current_job_id() or "-"
        return True


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of each record (test runners swap it)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "text":
        return logging.Formatter(TEXT_FORMAT)
    return JsonFormatter(JSON_FIELDS, rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                         timestamp=False)


def configure(log_format: str = "json", level: str = "INFO") -> logging.Handler:
    """Send the root logger's records to stderr in ``log_format``; calling it again replaces the handler."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "storyforge", False)]:
        root.removeHandler(old)
    handler = StderrHandler()
    handler.storyforge = True
    handler.setFormatter(formatter(log_format))
    handler.addFilter(TraceFilter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in OWN_HANDLER_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.propagate = False
    return handler
