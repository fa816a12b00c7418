from flask import Blueprint

bp = Blueprint("scenes", __name__)

from app.scenes import bible, files, routes, tree, watch  # noqa: E402,F401
