from flask import Blueprint

bp = Blueprint("api", __name__)
#: the human-readable reference at /api/docs (outside /api/v1, which answers only JSON)
docs_bp = Blueprint("api_docs", __name__)

from app.api import auth, jobs, routes, scenes, stories, topics  # noqa: E402,F401
