"""The admin area: pages only admins can see; everyone else gets a 404, as if it weren't there."""
from flask import Blueprint, abort
from flask_login import current_user

bp = Blueprint("admin", __name__)


@bp.before_request
def admins_only():
    if not (current_user.is_authenticated and current_user.is_admin):
        abort(404)


from app.admin import routes  # noqa: E402,F401
