from flask import abort, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.api import bp as api_bp
from app.api.schemas import TreeOut, TreeQuery
from app.api.spec import answer, operation
from app.caching import reader_page
from app.errors import json_error
from app.models import Scene, Segment
from app.stories import bp
from app.story import access
from app.story.tree import label_text, start_time, story_tree, tree_json


def _came_from(user) -> Scene | None:
    """The scene named by ``?from=`` (the branch the reader followed the link from), when they may see it."""
    try:
        return access.visible_scene(request.args["from"], user) if request.args.get("from") else None
    except access.NotFound:
        return None


def _shown_to_readers(ref: str | None) -> str | None:
    """``?from=`` as a signed-out reader's page depends on it: the scene's public id when they may see it."""
    scene = _came_from(current_user) if ref else None
    return scene.public_id if scene else None


@bp.get("/stories/<segment:root_ref>")
@reader_page(params={"from": _shown_to_readers})
def tree(root_ref: str):
    came_from = _came_from(current_user)
    story = story_tree(access.lookup(Segment, root_ref), current_user, came_from)
    if story is None:
        abort(404)
    if root_ref != story.root.public_id:  # an old numeric URL: moved for good to the public-id one
        return redirect(url_for("stories.tree", root_ref=story.root, **request.args.to_dict(flat=False)), 301)
    return render_template("stories/tree.html", tree=story, highlight=came_from.id if came_from else None,
                           start_time=start_time, label_text=label_text)


@api_bp.get("/stories/<segment:root_ref>")
@reader_page(params={"from": _shown_to_readers})
@operation("A story tree: every segment grown from one root and the branches through it", query=TreeQuery,
           responses={200: TreeOut}, tags=("stories",))
def tree_api(root_ref: str, query: TreeQuery):
    story = story_tree(access.lookup(Segment, root_ref), g.api_user, _came_from(g.api_user))
    if story is None:
        return json_error(404, "There is no story with that root segment.")
    return answer(TreeOut, tree_json(story))
