from flask import render_template, request

from app.admin import bp
from app.admin.charts import sparkline
from app.feedback.inbox import feedback_page
from app.metrics import vital_signs
from app.models.base import utcnow


@bp.get("/")
def dashboard():
    return render_template("admin/dashboard.html", vitals=vital_signs(utcnow()), sparkline=sparkline)


@bp.get("/feedback")
def feedback():
    return render_template("admin/feedback.html", messages=feedback_page(request.args.get("page", 1, type=int)))
