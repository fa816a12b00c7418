from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

#: base62 (no "-" or "_"): a public id reads as one word, so a double-click selects all of it
PUBLIC_ID_ALPHABET = string.ascii_letters + string.digits
#: 12 base62 characters carry 71 bits from ``secrets``: far too many to find a row by guessing
PUBLIC_ID_LENGTH = 12


def utcnow() -> datetime:
    return datetime.now(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


def new_public_id() -> str:
    """A fresh random public id: ``PUBLIC_ID_LENGTH`` base62 characters, never all digits."""
    while True:
        token = "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))
        if not token.isdigit():  # an all-digit reference means an old numeric id
            return token


class PublicIdMixin:
    """Rows that URLs and public JSON name by a random ``public_id``, never by their sequential id."""

    public_id: Mapped[str] = mapped_column(String(16), unique=True, index=True, default=new_public_id)
