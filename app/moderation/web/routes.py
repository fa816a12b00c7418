from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app.extensions import db, limiter, storage
from app.models import ModerationCase, Strike
from app.moderation import cases, decisions, reports, strikes
from app.moderation.queue_view import age_since, case_views
from app.moderation.web import bp
from app.moderation.web.forms import AppealForm, DecisionForm, ReportForm
from app.storage import StorageNotFound
from app.story.access import can_moderate

REPORT_LIMITED = "You've sent many reports in a short time, so this one wasn't sent. Try again in a little while."


def _moderators_only() -> None:
    if not can_moderate(current_user):
        abort(404)


@bp.get("/admin/moderation")
def queue():
    _moderators_only()
    backlog, oldest = cases.backlog()
    return render_template("moderation/queue.html", cases=case_views(cases.queue()), backlog=backlog, oldest=oldest,
                           oldest_age=age_since(oldest), form=DecisionForm())


@bp.post("/admin/moderation/decide")
def decide():
    _moderators_only()
    form = DecisionForm()
    chosen = [int(i) for i in request.form.getlist("case") if i.isdigit()]
    selected = list(db.session.scalars(select(ModerationCase).where(ModerationCase.id.in_(chosen)))) if chosen else []
    if not form.validate_on_submit() or not selected:
        flash("Select at least one item and give a reason." if not selected else " ".join(sum(form.errors.values(), [])),
              "error")
        return redirect(url_for("moderation.queue"), 303)
    try:
        done = decisions.decide_many(selected, current_user, form.action.data, form.reason.data, strike=form.strike.data)
    except decisions.DecisionRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for("moderation.queue"), 303)
    flash(f"{form.action.data.capitalize()}: {done} item{'s' if done != 1 else ''} decided.", "success")
    return redirect(url_for("moderation.queue"), 303)


@bp.get("/admin/moderation/frames/<path:key>")
def frame(key: str):
    _moderators_only()
    if not key.startswith("moderation/"):
        abort(404)
    try:
        data = storage().read_bytes(key)
    except (StorageNotFound, ValueError):
        abort(404)
    response = make_response(data)
    response.headers.update({"Content-Type": "image/jpeg", "Cache-Control": "private, no-store"})
    return response


def _report_limited(_limit):
    return make_response(render_template("moderation/report.html", form=ReportForm(), item=None, limited=REPORT_LIMITED), 429)


def _filed(response) -> bool:
    return response.status_code == 303


@bp.route("/report/<any(segment, scene, profile, bible):kind>/<ref>", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["REPORT_LIMIT"], methods=["POST"], key_func=lambda: f"report:{current_user.id}",
               deduct_when=_filed, on_breach=_report_limited)
def report(kind: str, ref: str):
    item = reports.reportable(kind, ref, current_user)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            reports.file_report(current_user, item, form.reasons.data, form.details.data)
        except reports.ReportRefused as refused:
            form.reasons.errors = [str(refused)]
        else:
            flash("Thank you. Your report reached the moderators; we'll tell you what they decide.", "success")
            return redirect(url_for("moderation.my_reports"), 303)
    already = reports.open_report(current_user, item)
    return render_template("moderation/report.html", form=form, item=item, already=already), (422 if form.errors else 200)


@bp.get("/moderation/reports")
@login_required
def my_reports():
    return render_template("moderation/my_reports.html", reports=reports.reports_by(current_user))


@bp.get("/moderation/strikes")
@login_required
def appeals():
    return render_template("moderation/strikes.html", strikes=strikes.strikes_of(current_user),
                           standing=strikes.standing(current_user), form=AppealForm())


@bp.post("/moderation/strikes/<int:strike_id>/appeal")
@login_required
def appeal(strike_id: int):
    strike = db.session.get(Strike, strike_id)
    if strike is None or strike.user_id != current_user.id:
        abort(404)
    form = AppealForm()
    if form.validate_on_submit():
        try:
            strikes.appeal(strike, current_user, form.text.data)
        except strikes.AppealRefused as refused:
            flash(str(refused), "error")
        else:
            flash("Your appeal reached the moderators. The item is back in their queue.", "success")
    else:
        flash(" ".join(sum(form.errors.values(), [])), "error")
    return redirect(url_for("moderation.appeals"), 303)
