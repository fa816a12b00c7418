"""Feedback triage: the inbox filtered, one message with its note thread, and moving it along."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import bp
from app.console import ConsoleError
from app.extensions import db
from app.feedback import inbox
from app.models import Feedback, FeedbackStatus


@bp.get("/feedback")
def feedback():
    filters = {name: request.args.get(name, "") for name in ("status", "assignee", "label")}
    return render_template("admin/feedback.html", filters=filters, statuses=list(FeedbackStatus), team=inbox.team(),
                           messages=inbox.feedback_page(request.args.get("page", 1, type=int), **filters))


@bp.route("/feedback/<int:feedback_id>", methods=["GET", "POST"])
def feedback_item(feedback_id: int):
    item = db.session.get(Feedback, feedback_id) or abort(404)
    if request.method == "POST":
        form = request.form
        try:
            inbox.triage(current_user, item, status=form.get("status", ""),
                         assignee_id=form.get("assignee", type=int), labels=form.get("labels", ""),
                         note=form.get("note", ""))
        except ConsoleError as err:
            flash(err.message, "error")
        else:
            flash("Saved.", "success")
        return redirect(url_for("admin.feedback_item", feedback_id=feedback_id))
    return render_template("admin/feedback_item.html", item=item, statuses=list(FeedbackStatus), team=inbox.team())
