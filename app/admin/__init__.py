"""The admin area: pages only admins can see; everyone else gets a 404, as if it weren't there."""
from flask import Blueprint, abort, current_app
from flask_login import current_user

bp = Blueprint("admin", __name__)

#: sections of the console's nav: (name, endpoint, endpoint prefix that marks it current); sections that other
#: blueprints add (moderation) appear once their endpoint exists
SECTIONS = (
    ("Dashboard", "admin.dashboard", "admin.dashboard"),
    ("Users", "admin.users_list", "admin.user"),
    ("Content", "admin.content_search", "admin.content"),
    ("Moderation", "moderation.queue", "moderation."),
    ("Topics", "admin.topics", "admin.topic"),
    ("Feedback", "admin.feedback", "admin.feedback"),
    ("Audit log", "admin.audit", "admin.audit"),
)


@bp.before_request
def admins_only():
    if not (current_user.is_authenticated and current_user.is_admin):
        abort(404)


@bp.app_context_processor
def console_sections():
    def admin_sections():
        return [s for s in SECTIONS if s[1] in current_app.view_functions]

    return {"admin_sections": admin_sections}


from app.admin import content, people, routes, topics, triage  # noqa: E402,F401
