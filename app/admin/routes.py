from flask import render_template, request

from app.admin import bp
from app.feedback.inbox import feedback_page


@bp.get("/feedback")
def feedback():
    return render_template("admin/feedback.html", messages=feedback_page(request.args.get("page", 1, type=int)))
