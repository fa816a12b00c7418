"""The story tree page: every segment grown from one root and the branches through it."""
from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from app import cache_versions as versions
from app.models import Segment
from app.pages import reader_page
from app.scenes import bp
from app.scenes.fragments import public_tree
from app.story import access
from app.story.tree import came_from, label_text, shown_to_readers, start_time, story_tree
from app.story.viewers import story_viewers


@bp.get("/stories/<segment:root_ref>")
@reader_page(params={"from": shown_to_readers}, scope=versions.segment_scope, viewers=story_viewers)
def tree(root_ref: str):
    branch = came_from(request.args.get("from"), current_user)
    if (kept := public_tree(root_ref, branch)) is not None:
        return render_template("scenes/tree.html", body=kept)
    story = story_tree(access.lookup(Segment, root_ref), current_user, branch)
    if story is None:
        abort(404)
    if root_ref != story.root.public_id:  # an old numeric URL: moved for good to the public-id one
        return redirect(url_for("scenes.tree", root_ref=story.root, **request.args.to_dict(flat=False)), 301)
    return render_template("scenes/tree.html", tree=story, highlight=branch.id if branch else None,
                           start_time=start_time, label_text=label_text)
