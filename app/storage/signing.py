"""Expiring, signed URLs for private media served by the app itself."""
from __future__ import annotations

import hashlib
import hmac
import time


class UrlSigner:
    """Signs and verifies expiring URLs for private media with HMAC-SHA256."""

    def __init__(self, secret: str):
        if not secret:
            raise ValueError("UrlSigner needs a non-empty secret")
        self._secret = secret.encode("utf-8")

    def sign(self, key: str, expires_at: int) -> str:
        """The hex signature that lets ``key`` be fetched until ``expires_at`` (Unix seconds)."""
        message = f"{key}\n{int(expires_at)}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def verify(self, key: str, exp: int | str, sig: str, now: float | None = None) -> bool:
        """True when ``sig`` was made by this signer for ``key`` and ``exp`` has not passed."""
        try:
            expires_at = int(exp)
        except (TypeError, ValueError):
            return False
        if expires_at < (time.time() if now is None else now):
            return False
        if not isinstance(sig, str):
            return False
        return hmac.compare_digest(self.sign(key, expires_at), sig)

