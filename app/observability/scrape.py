"""``/metrics``: every process's metrics added up, then the numbers counted at scrape time (``census``).

It answers requests carrying ``Authorization: Bearer <METRICS_TOKEN>``; with no token configured, only
requests from the machine itself (a scraper on loopback or a sidecar).
"""
from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from app.observability.census import census_registry
from app.observability.metrics import multiprocess_dir
from app.observability.requests import leave_uncounted

bp = Blueprint("observability", __name__)


def exposition() -> bytes:
    """Every process's metrics (one registry when not in multiprocess mode) and the scrape-time census."""
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
