"""Topics: the list in its order, create, edit (with cover upload), move, archive."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import bp
from app.console import ConsoleError
from app.extensions import db
from app.models import Topic
from app.topics import editing
from app.topics.catalog import list_topics


def _draft(form) -> editing.TopicDraft:
    return editing.TopicDraft(name=form.get("name", ""), slug=form.get("slug", ""),
                              description=form.get("description", ""), hue=form.get("hue", type=int),
                              motif=form.get("motif") or None)


@bp.get("/topics")
def topics():
    return render_template("admin/topics.html", topics=list_topics(archived=True))


@bp.route("/topics/new", methods=["GET", "POST"])
def topic_new():
    if request.method == "POST":
        try:
            topic = editing.create_topic(current_user, _draft(request.form), request.form.get("reason", ""))
        except ConsoleError as err:
            return _form(None, err), 422
        flash(f"Topic “{topic.name}” created.", "success")
        return redirect(url_for("admin.topic_edit", topic_id=topic.id))
    return _form(None)


@bp.route("/topics/<int:topic_id>", methods=["GET", "POST"])
def topic_edit(topic_id: int):
    topic = db.session.get(Topic, topic_id) or abort(404)
    if request.method == "POST":
        try:
            upload = request.files.get("cover")
            cover = editing.cover_image(upload.read()) if upload and upload.filename else None
            editing.edit_topic(current_user, topic, _draft(request.form), request.form.get("reason", ""))
            if cover is not None:
                editing.store_cover(current_user, topic, cover)
        except ConsoleError as err:
            db.session.rollback()
            return _form(topic, err), 422
        flash("Topic saved.", "success")
        return redirect(url_for("admin.topic_edit", topic_id=topic.id))
    return _form(topic)


def _form(topic, error: ConsoleError | None = None):
    return render_template("admin/topic_form.html", topic=topic, error=error, form=request.form,
                           motifs=editing.MOTIFS)


@bp.post("/topics/<int:topic_id>/<any(up, down, archive, unarchive):action>")
def topic_action(topic_id: int, action: str):
    topic = db.session.get(Topic, topic_id) or abort(404)
    try:
        if action in ("up", "down"):
            editing.move_topic(current_user, topic, -1 if action == "up" else 1)
        else:
            editing.archive_topic(current_user, topic, action == "archive", request.form.get("reason", ""))
    except ConsoleError as err:
        flash(err.message, "error")
    return redirect(url_for("admin.topics") + f"#topic-{topic.id}")
