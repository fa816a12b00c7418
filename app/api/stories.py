"""Story trees in the API."""
from flask import request

from app import cache_versions as versions
from app.api import bp
from app.api.auth import api_user
from app.api.schemas import TreeOut, TreeQuery
from app.api.spec import answer, operation
from app.errors import json_error
from app.models import Segment
from app.pages import reader_page
from app.story import access
from app.story.tree import came_from, shown_to_readers, story_tree, tree_json
from app.story.viewers import story_viewers


@bp.get("/stories/<segment:root_ref>")
@reader_page(params={"from": shown_to_readers}, scope=versions.segment_scope, viewers=story_viewers)
@operation("A story tree: every segment grown from one root and the branches through it", query=TreeQuery,
           responses={200: TreeOut}, tags=("stories",))
def tree_api(root_ref: str, query: TreeQuery):
    story = story_tree(access.lookup(Segment, root_ref), api_user(), came_from(request.args.get("from"), api_user()))
    if story is None:
        return json_error(404, "There is no story with that root segment.")
    return answer(TreeOut, tree_json(story))
