from flask import Blueprint

from app.story import access

bp = Blueprint("scenes", __name__)

# templates ask the domain's rules who may do what, never spell them out
for rule in (access.owns, access.can_edit, access.can_tend, access.can_see_withheld):
    bp.add_app_template_global(rule)

from app.scenes import bible, files, routes, tree, watch  # noqa: E402,F401
from app.scenes.urls import segment_card_url  # noqa: E402

bp.add_app_template_global(segment_card_url)
