from flask import render_template, request

from app.admin import bp
from app.admin.charts import sparkline
from app.console import logbook
from app.metrics import recent_vital_signs
from app.models.base import utcnow


@bp.get("/")
def dashboard():
    vitals = recent_vital_signs(utcnow(), fresh=request.args.get("fresh") == "1")
    return render_template("admin/dashboard.html", vitals=vitals, sparkline=sparkline)


@bp.get("/audit")
def audit():
    filters = {name: request.args.get(name, "") for name in ("action", "target_type", "target_id", "actor")}
    return render_template("admin/audit.html", filters=filters, actions=logbook.actions_seen(),
                           entries=logbook.audit_page(**filters, page=request.args.get("page", 1, type=int)))
