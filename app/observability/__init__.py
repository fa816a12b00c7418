"""What an operator sees of a running site: request ids, JSON logs, Prometheus metrics, error reports.

``init_app`` wires all of it into the app; the pieces live in their own modules:
``requests`` (the hooks every request passes), ``trace`` (request ids), ``logs``, ``metrics``, ``errors``
(Sentry) and ``jobs`` (carrying all of it into RQ workers). ``scrape`` (the ``/metrics`` blueprint, with
``census``, the numbers counted at scrape time) reads the database, so the factory registers it.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Log as configured, give every request an id, count what happens, report errors when asked."""
    from app.observability import errors, logs, requests

    logs.configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    requests.register(app)
    errors.configure(app.config)
    if trusted := app.config.get("TRUSTED_HOSTS"):
        from app.observability.probes import ProbeHosts

        app.wsgi_app = ProbeHosts(app.wsgi_app, trusted[0].lstrip("."))
