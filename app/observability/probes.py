"""Health checks and metrics answer whatever Host header they are sent.

Kubelets probe and Prometheus scrapes a pod by its IP address, which is never among TRUSTED_HOSTS. These
paths build no links and are never cached, so the host pin has nothing to protect there: for them
alone the request is treated as addressed to the site's own host.
"""
from __future__ import annotations

OPERATIONAL_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class ProbeHosts:
    """WSGI middleware: requests for ``OPERATIONAL_PATHS`` carry ``host`` as their Host header."""

    def __init__(self, wsgi_app, host: str):
        self.wsgi_app = wsgi_app
        self.host = host

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") in OPERATIONAL_PATHS:
            environ["HTTP_HOST"] = self.host
        return self.wsgi_app(environ, start_response)
