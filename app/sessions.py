"""Flask's signed-cookie sessions, with the cookies a process has already verified remembered.

A signed-in person sends the same session cookie with every page; verifying its signature and decoding it
again on each request is a good part of what a page served from a kept shell costs (``app.pages``). A
cookie whose values are all plain (Flask-Login's keys and the CSRF token: strings, numbers, flags) is
remembered by its exact text once verified, until the moment it would expire; anything else (a flashed
message, a refused prompt) is verified and decoded every time, as Flask does.
"""
from __future__ import annotations

import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

#: the most cookies a process remembers (then it starts afresh)
_REMEMBERED = 10_000
_PLAIN = (str, int, float, bool, type(None))


class RememberedCookieSessions(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        signer = self.get_signing_serializer(app)
        if signer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        remembered = app.extensions.setdefault("sf_session_cookies", {})
        if (known := remembered.get(cookie)) is not None and time.time() < known[1]:
            return self.session_class(known[0])
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = signer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(value, _PLAIN) for value in data.values()):
            if len(remembered) >= _REMEMBERED:
                remembered.clear()
            remembered[cookie] = (dict(data), signed_at.timestamp() + max_age)
        return self.session_class(data)
