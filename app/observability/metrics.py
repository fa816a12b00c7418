"""Prometheus metrics. Every process writes its own (``PROMETHEUS_MULTIPROC_DIR`` set: gunicorn's workers
and the RQ workers of one machine share that folder); ``/metrics`` (``scrape``) adds them up.
"""
from __future__ import annotations

import os

from prometheus_client import Counter, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0)
STAGE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)

HTTP_REQUESTS = Counter("storyforge_http_requests_total", "HTTP requests answered, by endpoint, method and status.",
                        ["endpoint", "method", "status"])
HTTP_LATENCY = Histogram("storyforge_http_request_duration_seconds", "Time to answer a request, by endpoint and status.",
                         ["endpoint", "status"], buckets=LATENCY_BUCKETS)
PAGE_CACHE = Counter("storyforge_page_cache_requests_total", "Signed-out page views served from the page cache (hit) "
                     "or rendered (miss).", ["result"])
VIEWER_PAGE_CACHE = Counter("storyforge_viewer_page_cache_requests_total", "Signed-in page views served from a "
                            "kept shell (hit) or rendered (miss).", ["result"])
EVERYONE_CACHE = Counter("storyforge_everyone_cache_requests_total", "Responses the same for everyone who may see "
                         "them (a public scene's playlist and API reads) served from the copy kept for everyone (hit) "
                         "or built (miss).", ["result"])
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

def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


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


# ---- hooks the domain calls ---------------------------------------------------------------------------

def page_cache(hit: bool) -> None:
    child(PAGE_CACHE, "hit" if hit else "miss").inc()


def viewer_page_cache(hit: bool) -> None:
    child(VIEWER_PAGE_CACHE, "hit" if hit else "miss").inc()


def everyone_cache(hit: bool) -> None:
    child(EVERYONE_CACHE, "hit" if hit else "miss").inc()


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
