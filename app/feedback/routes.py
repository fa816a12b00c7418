from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from app.extensions import limiter
from app.feedback import bp
from app.feedback.forms import FeedbackForm
from app.feedback.inbox import record_feedback

RATE_LIMITED = ("You've sent several messages in a short time, so this one wasn't sent. Your text is still here: "
                "send it again in a little while.")


def _signed_in() -> bool:
    return current_user.is_authenticated


def _anonymous() -> bool:
    return not current_user.is_authenticated


def _stored(response) -> bool:
    """Only messages that were stored count against the limit, not forms sent back with errors."""
    return response.status_code == 303


def _too_many(_limit):
    """Past the limit: the form again, with the text kept and a message saying why (HTTP 429)."""
    return make_response(render_template("feedback/form.html", form=FeedbackForm(), limited=RATE_LIMITED), 429)


def _back_to(page_url: str | None) -> str:
    return page_url if page_url and page_url.startswith("/") and not page_url.startswith("//") else url_for("main.home")


@bp.route("/feedback", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["FEEDBACK_LIMIT"], methods=["POST"], exempt_when=_signed_in,
               deduct_when=_stored, on_breach=_too_many)
@limiter.limit(lambda: current_app.config["FEEDBACK_USER_LIMIT"], methods=["POST"], exempt_when=_anonymous,
               key_func=lambda: f"user:{current_user.id}", deduct_when=_stored, on_breach=_too_many)
def form():
    form = FeedbackForm()
    if request.method == "GET":
        form.page_url.data = request.args.get("page", "")[:500]
    if form.validate_on_submit():
        record_feedback(form.message.data, user=current_user if current_user.is_authenticated else None,
                        email=form.email.data, page_url=form.page_url.data)
        flash("Thank you! Your message reached the StoryForge team.", "success")
        return redirect(_back_to(form.page_url.data), 303)
    return render_template("feedback/form.html", form=form), (422 if form.errors else 200)
