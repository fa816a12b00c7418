"""Outgoing mail: SMTP when MAIL_SERVER is set, else a file in instance/outbox/."""
from __future__ import annotations

import re
import smtplib
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

from app.models.base import utcnow


def send_mail(to: str, subject: str, body: str) -> Path | None:
    """Send a plain-text message. Returns the outbox file when delivered locally."""
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body, cte="8bit")
    if cfg.get("MAIL_SERVER"):
        with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=20) as smtp:
            if cfg.get("MAIL_USE_TLS"):
                smtp.starttls()
            if cfg.get("MAIL_USERNAME"):
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
            smtp.send_message(msg)
        return None
    outbox = Path(cfg["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    safe_to = re.sub(r"[^A-Za-z0-9@._-]", "_", to)
    path = outbox / f"{utcnow().strftime('%Y%m%dT%H%M%S%f')}-{safe_to}.eml"
    path.write_bytes(bytes(msg))
    current_app.logger.info("mail to %s (%s) written to %s", to, subject, path)
    return path


def public_url(endpoint: str, **values) -> str:
    """An absolute link for a message, built on PUBLIC_BASE_URL — never on the Host of the current request."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
