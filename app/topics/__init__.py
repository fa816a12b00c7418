from flask import Blueprint

from app.extensions import storage

bp = Blueprint("topics", __name__)


@bp.app_template_global()
def media_link(key: str) -> str:
    """The public URL of stored media that anyone may see (topic covers)."""
    return storage().url(key)


from app.topics import routes  # noqa: E402,F401
