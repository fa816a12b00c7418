from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import auth, routes, scenes  # noqa: E402,F401
