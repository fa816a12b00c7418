from flask import abort, g, render_template, request
from flask_login import current_user

from app.api import bp as api_bp
from app.api.schemas import TreeOut, TreeQuery
from app.api.spec import answer, operation
from app.caching import reader_page
from app.errors import json_error
from app.query import parse_id
from app.stories import bp
from app.story.tree import start_time, story_tree, tree_json


@bp.get("/stories/<int:root_id>")
@reader_page(params={"from": parse_id})
def tree(root_id: int):
    came_from = parse_id(request.args.get("from"))
    story = story_tree(root_id, current_user, came_from)
    if story is None:
        abort(404)
    return render_template("stories/tree.html", tree=story, highlight=came_from,
                           start_time=start_time)


@api_bp.get("/stories/<int:root_id>")
@reader_page(params={"from": parse_id})
@operation("A story tree: every segment grown from one root and the branches through it", query=TreeQuery,
           responses={200: TreeOut}, tags=("stories",))
def tree_api(root_id: int, query: TreeQuery):
    story = story_tree(root_id, g.api_user, query.from_)
    if story is None:
        return json_error(404, "There is no story with that root segment.")
    return answer(TreeOut, tree_json(story))
