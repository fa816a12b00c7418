"""Error reports to Sentry when ``SENTRY_DSN`` is set, from the web and from jobs.

Each report carries the release, the environment, the request id (the one on the log lines) and the
account's id; never an email address, form bodies, cookies or local variables (prompts travel in
those) unless ``SENTRY_SEND_PII`` says otherwise.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from app.observability.trace import current_job_id, current_request_id, current_user_id

log = logging.getLogger(__name__)


def configure(config: Mapping[str, Any]) -> bool:
    """Start the Sentry client when a DSN is configured; returns whether it did."""
    dsn = config.get("SENTRY_DSN")
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration
    from sentry_sdk.integrations.rq import RqIntegration

    send_pii = bool(config.get("SENTRY_SEND_PII"))
    sentry_sdk.init(
        dsn=dsn,
        release=config.get("RELEASE"),
        environment=config.get("SENTRY_ENVIRONMENT"),
        integrations=[FlaskIntegration(), RqIntegration(), LoggingIntegration(event_level=logging.ERROR)],
        **({"send_default_pii": True} if send_pii else {}),  # off unless asked; naming it at all is deprecated
        include_local_variables=send_pii,
        max_request_body_size="medium" if send_pii else "never",
        traces_sample_rate=config.get("SENTRY_TRACES_SAMPLE_RATE", 0.0),
        before_send=_with_trace if send_pii else _without_personal_data,
    )
    return True


def _with_trace(event: dict, hint: dict) -> dict:
    tags = event.setdefault("tags", {})
    if request_id := current_request_id():
        tags["request_id"] = request_id
    if job_id := current_job_id():
        tags["job_id"] = job_id
    if (user_id := current_user_id()) is not None:
        event["user"] = {**(event.get("user") or {}), "id": str(user_id)}
    return event


def _without_personal_data(event: dict, hint: dict) -> dict:
    event = _with_trace(event, hint)
    user = event.get("user") or {}
    event["user"] = {"id": user["id"]} if "id" in user else {}
    request = event.get("request") or {}
    for field in ("data", "cookies"):
        request.pop(field, None)
    if headers := request.get("headers"):
        request["headers"] = {k: v for k, v in headers.items() if k.lower() not in {"cookie", "authorization"}}
    return event

