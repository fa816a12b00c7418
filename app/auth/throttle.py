"""Sign-in throttling that an attacker cannot turn against an account's owner.

Failed sign-ins are counted per account *and client*. After ``LOGIN_BACKOFF_AFTER`` failures a client
waits before its next try at that account — 1 s, then 2 s, 4 s … up to ``LOGIN_BACKOFF_MAX_SECONDS`` —
and nothing is ever locked: someone hammering an account from their machine slows only themselves.

A client is the browser's device cookie when the account signed in with that browser before (the
cookie is set at every successful sign-in, signed, and names the accounts it vouches for); otherwise
it is the IP address. Guessing from many addresses at once is slowed per account: once browsers
without the account's device cookie have failed ``LOGIN_ACCOUNT_BACKOFF_AFTER`` times, all of them back
off together — but the owner's own browsers carry the cookie and are not slowed, and a password reset
clears every count for the account.

Counts live in Redis for ``LOGIN_FAILURE_WINDOW_SECONDS`` after the last failure. Unknown accounts are
counted by the name that was typed, so a throttled answer says nothing about whether an account exists.
"""
from __future__ import annotations

import hashlib
import math
import secrets
import time
from dataclasses import dataclass

from flask import Request, Response, current_app
from itsdangerous import BadSignature, URLSafeSerializer

from app.extensions import redis_client

DEVICE_COOKIE = "sf_device"
DEVICE_COOKIE_DAYS = 365
#: a browser vouches for at most this many accounts (the most recent sign-ins)
DEVICE_ACCOUNTS = 8


def now() -> float:
    """The time backoff is measured in (seconds since the epoch)."""
    return time.time()


class Throttled(Exception):
    """This client must wait ``retry_after`` seconds before trying this account again."""

    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Client:
    """Who is trying to sign in: a device id with the accounts it vouches for, and an address."""

    address: str
    device: str | None = None
    accounts: tuple[str, ...] = ()

    def trusted_for(self, account: str) -> bool:
        return self.device is not None and account in self.accounts

    def key_for(self, account: str) -> str:
        return f"device:{self.device}" if self.trusted_for(account) else f"ip:{self.address}"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="sign-in-device")


def client_of(request: Request) -> Client:
    """The client behind ``request`` (its device cookie is ignored unless the signature holds)."""
    address = request.remote_addr or "unknown"
    raw = request.cookies.get(DEVICE_COOKIE)
    if raw:
        try:
            data = _serializer().loads(raw)
            return Client(address, str(data["d"]), tuple(str(a) for a in data["a"]))
        except (BadSignature, KeyError, TypeError):
            pass
    return Client(address)


def account_key(user_id: int | None, identifier: str) -> str:
    """The name counts are kept under: the user's id, or a hash of what was typed for unknown accounts."""
    if user_id is not None:
        return f"u{user_id}"
    return "n" + hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:32]


def _keys(account: str, client: Client) -> list[str]:
    # a reset moves the account's epoch, which leaves every older count behind to expire
    prefix = f"sf-login:{account}:{int(redis_client().get(f'sf-login:{account}:epoch') or 0)}"
    keys = [f"{prefix}:{client.key_for(account)}"]
    if not client.trusted_for(account):
        keys.append(f"{prefix}:untrusted")
    return keys


def _wait(failures: int, last: float, after: int, current: float) -> float:
    if failures < after:
        return 0.0
    delay = min(2.0 ** (failures - after), current_app.config["LOGIN_BACKOFF_MAX_SECONDS"])
    return max(0.0, last + delay - current)


def check(account: str, client: Client) -> None:
    """Raise Throttled when ``client`` must wait before trying ``account`` again."""
    cfg = current_app.config
    current = now()
    keys = _keys(account, client)
    pipe = redis_client().pipeline()
    for key in keys:
        pipe.hmget(key, "failures", "last")
    limits = [cfg["LOGIN_BACKOFF_AFTER"], cfg["LOGIN_ACCOUNT_BACKOFF_AFTER"]]
    wait = 0.0
    for (failures, last), after in zip(pipe.execute(), limits, strict=False):
        if failures is not None:
            wait = max(wait, _wait(int(failures), float(last or 0), after, current))
    if wait > 0:
        raise Throttled(math.ceil(wait))


def record_failure(account: str, client: Client) -> None:
    pipe = redis_client().pipeline()
    for key in _keys(account, client):
        pipe.hincrby(key, "failures", 1)
        pipe.hset(key, "last", now())
        pipe.expire(key, current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    pipe.execute()


def record_success(account: str, client: Client) -> None:
    """Forget this client's failures for the account (the count shared by unknown browsers stays)."""
    redis_client().delete(_keys(account, client)[0])


def forget_account(account: str) -> None:
    """Clear every count for the account (after its owner reset the password)."""
    redis_client().incr(f"sf-login:{account}:epoch")


def remember_device(response: Response, client: Client, account: str) -> None:
    """Set (or extend) the signed device cookie so this browser vouches for ``account`` from now on."""
    device = client.device or secrets.token_urlsafe(16)
    accounts = [a for a in client.accounts if a != account][-(DEVICE_ACCOUNTS - 1):] + [account]
    cfg = current_app.config
    response.set_cookie(DEVICE_COOKIE, _serializer().dumps({"d": device, "a": accounts}),
                        max_age=DEVICE_COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=bool(cfg.get("SESSION_COOKIE_SECURE")))
