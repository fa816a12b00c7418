"""Carrying a request's id into the jobs it queues, and counting what workers run.

``TracedQueue`` stores the current request id in each new job's meta; ``ObservedWorker`` makes it current
again while the job runs (so its log lines, error reports and provider calls carry it) and counts the
job's result and duration.
"""
from __future__ import annotations

import time

from rq import Queue, SimpleWorker

from app.observability import metrics
from app.observability.trace import adopt, current_request_id, current_user_id, release


class TracedQueue(Queue):
    def create_job(self, *args, **kwargs):
        request_id = current_request_id()
        if request_id is not None:
            kwargs["meta"] = {**(kwargs.get("meta") or {}), "request_id": request_id, "user_id": current_user_id()}
        return super().create_job(*args, **kwargs)


class ObservedWorker(SimpleWorker):
    def perform_job(self, job, queue, *args, **kwargs) -> bool:
        meta = job.meta or {}
        tokens = adopt(meta.get("request_id"), job.id, meta.get("user_id"))
        started = time.perf_counter()
        ok = False
        try:
            ok = super().perform_job(job, queue, *args, **kwargs)
            return ok
        finally:
            metrics.job_finished(queue.name, "succeeded" if ok else "failed", time.perf_counter() - started)
            release(tokens)


def serve_worker_metrics(port: int) -> None:
    """Serve this machine's worker metrics on ``port`` (for workers that share no folder with a web server)."""
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess, start_http_server

    registry = REGISTRY
    if metrics.multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    start_http_server(port, registry=registry)
