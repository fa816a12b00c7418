"""Security headers on every response: a Content-Security-Policy without 'unsafe-inline', no framing,
no MIME sniffing, a careful Referer, and HSTS where the site is served over HTTPS.

The pages load scripts and styles only from /static (no inline <script>, <style>, style="" or on…=
attributes anywhere). The player needs a little more: hls.js starts its transmuxer as a blob: worker,
feeds the <video> a blob: MediaSource URL, and fetches playlists and media parts, which may come from
the CDN or the S3 endpoint; those origins come from the configuration.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def media_origins(config) -> list[str]:
    """Where media URLs may point besides this site: the CDN, the S3 endpoint or bucket, CSP_MEDIA_ORIGINS."""
    origins = [_origin(config.get("CDN_BASE_URL"))]
    if config.get("STORAGE_BACKEND") == "s3":
        if endpoint := config.get("S3_ENDPOINT_URL"):
            origins.append(_origin(endpoint))
        elif bucket := config.get("S3_BUCKET"):  # AWS answers presigned URLs on the bucket's virtual host
            region = config.get("S3_REGION") or "us-east-1"
            origins += [f"https://{bucket}.s3.amazonaws.com", f"https://{bucket}.s3.{region}.amazonaws.com"]
    origins += config.get("CSP_MEDIA_ORIGINS") or []
    return list(dict.fromkeys(o for o in origins if o))


def content_security_policy(config) -> str:
    media = " ".join(media_origins(config))
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": f"'self' data: {media}",
        "media-src": f"'self' blob: {media}",
        "connect-src": f"'self' {media}",
        "worker-src": "'self' blob:",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value.strip()}" for name, value in directives.items())


def register(app: Flask) -> None:
    """Add the headers to every response the app makes (pages, API, media, errors, cached pages)."""
    policy = content_security_policy(app.config)
    hsts = app.config["HSTS_SECONDS"]
    fixed = {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
    if hsts:
        fixed["Strict-Transport-Security"] = f"max-age={hsts}; includeSubDomains"

    by_name = {name.lower(): (name, value) for name, value in fixed.items()}

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        missing = dict(by_name)  # one pass over the response's headers, not one per header added
        for name, _ in response.headers.items():
            missing.pop(name.lower(), None)
        response.headers.extend(missing.values())
        return response
