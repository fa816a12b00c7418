"""Moderation's pages: the queue at /admin/moderation, the report form, a writer's strikes and appeals, legal pages."""
from flask import Blueprint

from app.story.access import WITHHELD_PROMPT, prompt_shown

bp = Blueprint("moderation", __name__)


@bp.app_template_filter("shown_prompt")
def shown_prompt(segment) -> str:
    """A segment's prompt, unless moderation took it out of view and the viewer is neither its writer nor a moderator."""
    from flask_login import current_user

    if prompt_shown(segment, current_user):
        return segment.prompt
    return WITHHELD_PROMPT

from app.moderation.web import legal, routes  # noqa: E402,F401
