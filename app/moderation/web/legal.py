from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.moderation import copyright as copyright_claims
from app.moderation.web import bp
from app.moderation.web.forms import CopyrightNoticeForm, CounterNoticeForm


@bp.get("/legal/terms")
def terms():
    return render_template("moderation/legal/terms.html")


@bp.get("/legal/content-policy")
def content_policy():
    return render_template("moderation/legal/content_policy.html")


@bp.route("/legal/copyright", methods=["GET", "POST"])
def copyright():
    notice = CopyrightNoticeForm(prefix="notice")
    counter = CounterNoticeForm(prefix="counter")
    sent = request.form.get("kind")
    if sent == "notice" and notice.validate_on_submit():
        try:
            claim = copyright_claims.file_notice(notice.data)
        except copyright_claims.ClaimRefused as refused:
            notice.material_url.errors = [*notice.material_url.errors, str(refused)]
        else:
            flash(f"Notice {claim.id} received. Our copyright agent will act on it and write to you.", "success")
            return redirect(url_for("moderation.copyright"), 303)
    elif sent == "counter" and counter.validate_on_submit():
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        try:
            claim = copyright_claims.file_counter_notice(current_user, counter.data)
        except copyright_claims.ClaimRefused as refused:
            counter.material_url.errors = [*counter.material_url.errors, str(refused)]
        else:
            flash(f"Counter-notice {claim.id} received. We have told the claimant.", "success")
            return redirect(url_for("moderation.copyright"), 303)
    failed = bool(notice.errors or counter.errors)
    return render_template("moderation/legal/copyright.html", notice=notice, counter=counter), (422 if failed else 200)
