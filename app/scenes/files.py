"""Local media files, served with HTTP Range; private scenes' media only to those who may see them."""
from flask import abort, request, send_file
from flask_login import current_user

from app.extensions import storage
from app.scenes import bp
from app.storage import StorageNotFound, cache_control_for, guess_content_type
from app.story.access import media_visible


@bp.get("/media/<path:key>")
def media(key: str):
    store = storage()
    signer = getattr(store, "signer", None)
    signed = "sig" in request.args and signer is not None and signer.verify(
        key, request.args.get("exp", ""), request.args.get("sig", "")
    )
    if not (signed or media_visible(key, current_user)):
        abort(404)
    try:
        path = store.local_path(key)
    except (StorageNotFound, ValueError):
        abort(404)
    if path is None:
        abort(404)
    response = send_file(path, mimetype=guess_content_type(key), conditional=True, etag=True, max_age=None)
    response.headers["Cache-Control"] = cache_control_for(key) if not signed else "private, max-age=300"
    response.headers["Accept-Ranges"] = "bytes"
    return response
