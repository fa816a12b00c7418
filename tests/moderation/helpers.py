"""Posting the moderation forms the way a browser does."""
from __future__ import annotations

from tests.conftest import csrf_token_from


def report(client, kind: str, ref: str, reasons=("sexual",), details: str = ""):
    token = csrf_token_from(client.get(f"/report/{kind}/{ref}").get_data(as_text=True))
    return client.post(f"/report/{kind}/{ref}", data={"csrf_token": token, "reasons": list(reasons), "details": details})


def decide(client, case_ids, action: str, reason: str, strike: bool = False):
    token = csrf_token_from(client.get("/admin/moderation").get_data(as_text=True))
    data = {"csrf_token": token, "case": [str(i) for i in case_ids], "action": action, "reason": reason}
    if strike:
        data["strike"] = "y"
    return client.post("/admin/moderation/decide", data=data)


def person(username: str):
    """The user row, fresh in the current session (fixtures' rows are detached once a worker has run)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import User

    return db.session.scalar(select(User).where(User.username == username))
