"""Prometheus metrics. Every process writes its own (``PROMETHEUS_MULTIPROC_DIR`` set: gunicorn's workers
and the RQ workers of one machine share that folder); ``/metrics`` adds them up and appends the numbers
counted at scrape time (``census``).

``/metrics`` answers requests carrying ``Authorization: Bearer <METRICS_TOKEN>``; with no token
configured, only requests from the machine itself (a scraper on loopback or a sidecar).
"""
from __future__ import annotations

import hmac
import ipaddress
import os

from flask import Blueprint, Flask, Response, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0)
STAGE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)

HTTP_REQUESTS = Counter("storyforge_http_requests_total", "HTTP requests answered, by endpoint, method and status.",
                        ["endpoint", "method", "status"])
HTTP_LATENCY = Histogram("storyforge_http_request_duration_seconds", "Time to answer a request, by endpoint and status.",
                         ["endpoint", "status"], buckets=LATENCY_BUCKETS)
PAGE_CACHE = Counter("storyforge_page_cache_requests_total", "Signed-out page views served from the page cache (hit) "
                     "or rendered (miss).", ["result"])
SQL_PER_REQUEST = Histogram("storyforge_sql_statements_per_request", "SQL statements one request sent.",
                            buckets=(0, 1, 2, 3, 5, 8, 12, 20, 35, 60, 100))
STAGE_DURATION = Histogram("storyforge_generation_stage_duration_seconds", "Time one generation stage took, "
                           "by stage and video provider.", ["stage", "provider"], buckets=STAGE_BUCKETS)
GENERATION_OUTCOMES = Counter("storyforge_generation_outcomes_total", "Generations that ended (succeeded or failed) "
                              "or were put back for a retry, by error code and provider.",
                              ["outcome", "code", "provider"])
PROVIDER_ERRORS = Counter("storyforge_provider_http_errors_total", "Provider HTTP calls that failed, by provider and "
                          "kind (http_<status>, timeout, connection).", ["provider", "kind"])
PROVIDER_RETRIES = Counter("storyforge_provider_http_retries_total", "Provider HTTP calls sent again after a "
                           "transient failure.", ["provider"])
STORAGE_BYTES = Counter("storyforge_storage_bytes_written_total", "Media bytes written to storage.", ["backend"])
STORAGE_ERRORS = Counter("storyforge_storage_errors_total", "Media storage operations that failed.",
                         ["backend", "operation"])
JOBS = Counter("storyforge_jobs_total", "Queue jobs a worker finished, by queue and result.", ["queue", "result"])
JOB_DURATION = Histogram("storyforge_job_duration_seconds", "Time a queue job ran, by queue.", ["queue"],
                         buckets=STAGE_BUCKETS)

bp = Blueprint("observability", __name__)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition() -> bytes:
    """Every process's metrics (one registry when not in multiprocess mode) and the scrape-time census."""
    from app.observability.census import census_registry

    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(census_registry())


@bp.get("/metrics")
def scrape():
    if not _may_scrape():
        abort(404)  # to everyone else there is nothing here
    from app.observability.requests import leave_uncounted

    leave_uncounted()
    return Response(exposition(), mimetype=CONTENT_TYPE_LATEST)


def _may_scrape() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


# ---- per-request numbers (``app.observability.requests`` calls them) ----------------------------------

_request_series: dict[tuple[str, str, int], tuple] = {}


def count_request(endpoint: str, method: str, status: int, seconds: float, statements: int) -> None:
    """One answered request: its count, its latency and how many SQL statements it sent."""
    key = (endpoint, method, status)
    series = _request_series.get(key)
    if series is None:
        series = _request_series[key] = (HTTP_REQUESTS.labels(endpoint, method, str(status)),
                                         HTTP_LATENCY.labels(endpoint, str(status)))
    series[0].inc()
    series[1].observe(seconds)
    SQL_PER_REQUEST.observe(statements)


_children: dict[tuple, object] = {}


def child(metric, *labels: str):
    """``metric.labels(*labels)``, kept: looking a labelled series up costs more than counting in it."""
    key = (metric, *labels)
    found = _children.get(key)
    if found is None:
        found = _children[key] = metric.labels(*labels)
    return found


def register(app: Flask) -> None:
    app.register_blueprint(bp)


# ---- hooks the domain calls ---------------------------------------------------------------------------

def page_cache(hit: bool) -> None:
    child(PAGE_CACHE, "hit" if hit else "miss").inc()


def generation_stage(stage: str, provider: str, seconds: float) -> None:
    STAGE_DURATION.labels(stage, provider).observe(seconds)


def generation_outcome(outcome: str, code: str | None, provider: str) -> None:
    GENERATION_OUTCOMES.labels(outcome, code or "", provider).inc()


def provider_error(provider: str, kind: str, retrying: bool) -> None:
    PROVIDER_ERRORS.labels(provider, kind).inc()
    if retrying:
        PROVIDER_RETRIES.labels(provider).inc()


def job_finished(queue: str, result: str, seconds: float) -> None:
    JOBS.labels(queue, result).inc()
    JOB_DURATION.labels(queue).observe(seconds)
