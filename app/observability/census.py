"""Numbers counted when Prometheus scrapes, from Redis and the database: queue depth and the age of the
oldest waiting job per queue, live workers, active writers and the moderation backlog.

Active writers and the moderation backlog are the admin dashboard's numbers too: both come from
``app.metrics``, so the dashboard and Prometheus never count them two ways.
"""
from __future__ import annotations

import logging
import time
from datetime import timedelta

from flask import current_app
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from rq import Queue, Worker

from app import metrics
from app.extensions import db, redis_client
from app.models.base import utcnow

log = logging.getLogger(__name__)

#: a writer is active when they started a generation within this window
WRITER_WINDOW = timedelta(hours=24)


def queue_depths(now: float | None = None) -> list[tuple[str, int, float]]:
    """``(queue, jobs waiting, seconds the oldest has waited)`` for every configured queue."""
    now = time.time() if now is None else now
    connection = redis_client()
    rows = []
    for name in current_app.config["QUEUES"]:
        queue = Queue(name, connection=connection)
        depth = queue.count
        age = 0.0
        if depth:
            oldest = queue.get_job_ids(0, 1)
            job = queue.fetch_job(oldest[0]) if oldest else None
            if job is not None and job.enqueued_at is not None:
                age = max(0.0, now - job.enqueued_at.timestamp())
        rows.append((name, depth, age))
    return rows


def live_workers() -> int:
    return len(Worker.all(connection=redis_client()))


def active_writers() -> int:
    return metrics.writers_since(utcnow() - WRITER_WINDOW)


def moderation_backlog() -> int:
    """Moderation cases waiting for a moderator."""
    return metrics.moderation_backlog(utcnow(), 0).waiting


class Census:
    """A Prometheus collector that asks Redis and the database at scrape time."""

    def collect(self):
        yield from self._queues()
        yield from self._gauge("storyforge_workers", "RQ workers alive (registered and heartbeating).", live_workers)
        yield from self._gauge("storyforge_active_writers", "People who started a segment in the last 24 hours.",
                               active_writers)
        yield from self._gauge("storyforge_moderation_backlog", "Moderation cases waiting for a moderator.", moderation_backlog)

    def _queues(self):
        depth = GaugeMetricFamily("storyforge_queue_depth", "Jobs waiting in a queue.", labels=["queue"])
        age = GaugeMetricFamily("storyforge_queue_oldest_job_age_seconds",
                                "How long the oldest waiting job of a queue has waited.", labels=["queue"])
        try:
            rows = queue_depths()
        except Exception as exc:  # noqa: BLE001 - a scrape without queue numbers beats a failed scrape
            log.warning("could not read the queues for /metrics: %r", exc)
            return
        for name, count, seconds in rows:
            depth.add_metric([name], count)
            age.add_metric([name], seconds)
        yield depth
        yield age

    @staticmethod
    def _gauge(name: str, documentation: str, read):
        try:
            value = read()
        except Exception as exc:  # noqa: BLE001
            log.warning("could not read %s for /metrics: %r", name, exc)
            db.session.rollback()
            return
        yield GaugeMetricFamily(name, documentation, value=value)


def census_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Census())
    return registry
