from flask import g, jsonify

from app.api import bp
from app.api.auth import api_login_required
from app.errors import json_error
from app.topics.catalog import list_topics


@bp.get("/me")
@api_login_required
def me():
    return jsonify(user=g.api_user.to_json())


@bp.get("/topics")
def topics():
    return jsonify(topics=[t.to_json() for t in list_topics()])


@bp.route("/<path:_unknown>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(_unknown: str):
    return json_error(404, "There is no such API endpoint.")
