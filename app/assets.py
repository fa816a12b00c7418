"""Static files that browsers keep: ``url_for('static', ...)`` adds ``?v=<content hash>``, and a
versioned response is cached for STATIC_MAX_AGE as immutable. A changed file gets a new URL;
unversioned requests keep the default (revalidate with the ETag).

Only /static is affected: SEND_FILE_MAX_AGE_DEFAULT would also reach send_file() in the
download routes, whose URLs stay the same while their content changes.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, Response, current_app, request
from werkzeug.security import safe_join

bp = Blueprint("assets", __name__)

#: path → (mtime_ns, size, version): hashed again only when the file changes
_versions: dict[str, tuple[int, int, str]] = {}


def asset_version(folder: str, filename: str) -> str | None:
    """A short hash of the file's bytes, or None when there is no such file under ``folder``."""
    path = safe_join(folder, filename)
    if path is None:
        return None
    try:
        stat = Path(path).stat()
        known = _versions.get(path)
        if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
            return known[2]
        version = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    except OSError:  # missing, or a directory
        return None
    _versions[path] = (stat.st_mtime_ns, stat.st_size, version)
    return version


@bp.app_url_defaults
def version_static_urls(endpoint: str, values: dict) -> None:
    if endpoint != "static" or "v" in values or "filename" not in values:
        return
    if version := asset_version(current_app.static_folder, values["filename"]):
        values["v"] = version


@bp.after_app_request
def cache_versioned_static(response: Response) -> Response:
    if request.endpoint == "static" and request.args.get("v") and response.status_code in (200, 304):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = current_app.config["STATIC_MAX_AGE"]
        response.cache_control.immutable = True
    return response
