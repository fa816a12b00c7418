"""Host pinning, request size, security headers, proxies and ids out of range (issue 12 points 2, 6, 7, 8)."""
import io
import re
from pathlib import Path

import pytest

from app import create_app
from app.auth.accounts import create_api_token
from app.headers import content_security_policy
from config import ProductionConfig
from tests.conftest import csrf_token_from


def _reset_mail_link(app, client, **request_args) -> str:
    token = csrf_token_from(client.get("/auth/reset", **request_args).get_data(as_text=True))
    client.post("/auth/reset", data={"identifier": "mara", "csrf_token": token}, **request_args)
    mail = sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))[-1].read_text()
    return re.search(r"(https?://\S+/auth/reset/\S+)", mail).group(1)


def test_reset_link_is_built_from_configuration_not_the_host_header(app, client, user):
    """Guards issue 12 point 2: a reset asked for with `Host: evil.example` mails a link on PUBLIC_BASE_URL."""
    app.config["PUBLIC_BASE_URL"] = "https://storyforge.example"
    link = _reset_mail_link(app, client, headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
    assert link.startswith("https://storyforge.example/auth/reset/")
    assert "evil" not in link


def test_untrusted_hosts_are_refused(app, client):
    """With TRUSTED_HOSTS set, a request naming another host is a 400, the configured one is served."""
    app.config["TRUSTED_HOSTS"] = ["storyforge.example", ".storyforge.example"]
    assert client.get("/help", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/help", headers={"Host": "storyforge.example"}).status_code == 200
    assert client.get("/help", headers={"Host": "www.storyforge.example"}).status_code == 200


def _production(**settings):
    return type("Production", (ProductionConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SQLALCHEMY_ENGINE_OPTIONS": {},
                                                    "REDIS_URL": "redis://127.0.0.1:1/0", "SECRET_KEY_GENERATED": False,
                                                    **settings})


def test_production_needs_a_public_base_url_and_pins_its_host():
    """Production refuses to start without PUBLIC_BASE_URL; with it, only its host is served, over HSTS."""
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app(_production(PUBLIC_BASE_URL=None))
    app = create_app(_production(PUBLIC_BASE_URL="https://storyforge.example", TRUSTED_HOSTS=["storyforge.example"]))
    client = app.test_client()
    # health checks and /metrics answer any Host (probes address pods by IP); pages do not
    assert client.get("/help", headers={"Host": "evil.example"}).status_code == 400
    ok = client.get("/healthz", headers={"Host": "storyforge.example"}, base_url="https://storyforge.example")
    assert ok.status_code == 200
    assert ok.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert app.config["REMEMBER_COOKIE_SECURE"] and app.config["SESSION_COOKIE_SECURE"]


@pytest.mark.parametrize("path", ["/", "/help", "/auth/login", "/api/v1/topics", "/no-such-page", "/api/v1/nothing"])
def test_every_response_carries_the_security_headers(client, path):
    """Guards issue 12 point 7: pages, API answers and errors all carry CSP (no 'unsafe-inline', no framing),
    nosniff and a Referrer-Policy; development sends no HSTS."""
    resp = client.get(path)
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in resp.headers


def test_cached_pages_carry_the_headers_too(client):
    """A page served from the page cache gets the same headers as a freshly built one."""
    client.get("/topics")
    again = client.get("/topics")
    assert "frame-ancestors 'none'" in again.headers["Content-Security-Policy"]


def test_csp_lets_the_player_reach_the_configured_media_origins():
    """The CDN, the S3 endpoint and extra origins are allowed for media, hls.js' fetches and posters; the
    player's blob: worker and MediaSource URLs are allowed; nothing else is."""
    policy = content_security_policy({"CDN_BASE_URL": "https://cdn.example.net/media", "STORAGE_BACKEND": "s3",
                                      "S3_ENDPOINT_URL": "https://s3.example.net", "CSP_MEDIA_ORIGINS": ["https://x.example"]})
    directives = dict(part.split(" ", 1) for part in policy.split("; "))
    for name in ("media-src", "connect-src", "img-src"):
        assert {"https://cdn.example.net", "https://s3.example.net", "https://x.example"} <= set(directives[name].split())
    assert "blob:" in directives["media-src"] and "blob:" in directives["worker-src"]
    assert directives["script-src"] == "'self'" and directives["object-src"] == "'none'"
    aws = content_security_policy({"STORAGE_BACKEND": "s3", "S3_BUCKET": "media", "S3_REGION": "eu-west-1"})
    assert "https://media.s3.eu-west-1.amazonaws.com" in aws


class CountingStream(io.RawIOBase):
    """A request body of endless bytes that counts how much of it the app read."""

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        self.read_bytes += len(buffer)
        buffer[:] = b"x" * len(buffer)
        return len(buffer)


def test_oversized_bodies_are_refused_with_413_before_being_read(app, client, user):
    """Guards issue 12 point 6: a 100 MB body is answered 413 (JSON for the API, a page for forms) without
    reading it."""
    bearer = {"Authorization": f"Bearer {create_api_token(user, 'cli').raw}"}
    for path, headers in (("/api/v1/scenes", {**bearer, "Content-Type": "application/json"}),
                          ("/auth/login", {"Content-Type": "application/x-www-form-urlencoded"})):
        body = CountingStream()
        resp = client.post(path, headers=headers,
                           environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(100 * 1024 * 1024)})
        assert resp.status_code == 413
        assert body.read_bytes == 0
    api = client.post("/api/v1/scenes", headers=bearer, json={"title": "x" * 2 * 1024 * 1024})
    assert api.status_code == 413 and api.json["error"]["code"] == "too_large"


def test_a_body_within_the_limit_is_read(app, client, user):
    """MAX_CONTENT_LENGTH is configuration: a small limit refuses what a larger one lets through."""
    bearer = {"Authorization": f"Bearer {create_api_token(user, 'cli').raw}"}
    app.config["MAX_CONTENT_LENGTH"] = 64
    assert client.post("/api/v1/check", headers=bearer, json={"prompt": "A lantern glows. " * 10}).status_code == 413
    app.config["MAX_CONTENT_LENGTH"] = 4096
    assert client.post("/api/v1/check", headers=bearer, json={"prompt": "A lantern glows. " * 10}).status_code == 200


def test_proxy_fix_trusts_only_the_configured_number_of_proxies(app, database_url, redis_url, tmp_path):
    """Behind one proxy (PROXY_FIX_X_FOR=1) the client's address comes from X-Forwarded-For, so per-IP
    limits see clients, not the balancer; with the default 0 the header is ignored."""
    from tests.conftest import _config

    def seen_address(proxies: int, forwarded: str) -> str:
        behind = create_app(type("Behind", (_config(database_url, redis_url, tmp_path / "i"),), {"PROXY_FIX_X_FOR": proxies}))

        @behind.get("/_address")
        def address():
            from flask import request

            return request.remote_addr or ""

        return behind.test_client().get("/_address", headers={"X-Forwarded-For": forwarded},
                                        environ_base={"REMOTE_ADDR": "10.0.0.2"}).get_data(as_text=True)

    assert seen_address(1, "198.51.100.7") == "198.51.100.7"
    assert seen_address(1, "203.0.113.66, 198.51.100.7") == "198.51.100.7"  # only the last hop is trusted
    assert seen_address(0, "198.51.100.7") == "10.0.0.2"


@pytest.mark.parametrize("path", ["/scenes/9223372036854775808", "/scenes/99999999999999999999999/watch",
                                  "/api/v1/scenes/9223372036854775808", "/api/v1/jobs/18446744073709551616",
                                  "/segments/9223372036854775808/playlist.m3u8", "/stories/9223372036854775808"])
def test_ids_beyond_the_database_range_are_not_found(client, path):
    """Guards issue 12 point 8: an id of 2^63 or more is a 404 on pages and the API, never a 500."""
    assert client.get(path).status_code == 404
