"""Content: scenes and segments searched, featured, hidden, moved; failed segments retried or discarded; jobs."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import bp
from app.console import ConsoleError, content
from app.story import access
from app.topics.catalog import list_topics


@bp.get("/content")
def content_search():
    q = content.ContentQuery(**{name: request.args.get(name, "") for name in ("text", "writer", "topic", "state")})
    page = request.args.get("page", 1, type=int)
    kind = "segments" if request.args.get("kind") == "segments" else "scenes"
    found = content.search_segments(q, page) if kind == "segments" else content.search_scenes(q, page)
    return render_template("admin/content.html", q=q, kind=kind, found=found, topics=list_topics(archived=True),
                           scene_states=content.SCENE_STATES, segment_states=content.SEGMENT_STATES)


@bp.get("/content/scenes/<scene:scene_ref>")
def content_scene(scene_ref: str):
    scene = access.visible_scene(scene_ref, current_user)
    return render_template("admin/content_scene.html", scene=scene, forks=content.forks_playing(scene),
                           segments=content.segments_of(scene),                            topics=list_topics(archived=True))


@bp.post("/content/scenes/<scene:scene_ref>/<any(feature, unfeature, hide, unhide, topic):action>")
def content_scene_action(scene_ref: str, action: str):
    scene = access.visible_scene(scene_ref, current_user)
    reason = request.form.get("reason", "")
    try:
        if action == "topic":
            content.change_topic(current_user, scene, request.form.get("topic", ""), reason)
        else:
            content.SCENE_ACTIONS[action](current_user, scene, reason)
    except ConsoleError as err:
        flash(err.message, "error")
    else:
        flash("Done.", "success")
    return redirect(url_for("admin.content_scene", scene_ref=scene))


@bp.post("/content/segments/<segment:segment_ref>/<any(retry, discard):action>")
def content_segment_action(segment_ref: str, action: str):
    segment = access.visible_segment(segment_ref, current_user)
    scene = segment.scene
    try:
        content.SEGMENT_ACTIONS[action](current_user, segment, request.form.get("reason", ""))
    except ConsoleError as err:
        flash(err.message, "error")
    else:
        flash("Generation started again." if action == "retry" else "Segment discarded.", "success")
    return redirect(url_for("admin.content_scene", scene_ref=scene))


@bp.get("/jobs/<job:job_ref>")
def content_job(job_ref: str):
    return render_template("admin/job.html", job=access.visible_job(job_ref, current_user))
