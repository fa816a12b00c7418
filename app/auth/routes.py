from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import accounts, bp, throttle
from app.auth.forms import FinishRegistrationForm, LoginForm, RegisterForm, ResetPasswordForm, ResetRequestForm
from app.caching import known_user, session_user_id
from app.extensions import limiter, login_manager
from app.models import User


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user a session or remember-me cookie names, while its session version is still the user's."""
    if (user_id := session_user_id(session_id)) is None:
        return None
    served = g.pop("kept_viewer", None)  # a page served from a kept shell needs no more than the kept row
    if served is not None and served.get_id() == session_id:
        return served
    user = known_user(user_id)
    return user if user is not None and user.session_version == int(session_id.partition(":")[2]) else None


login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"


def _safe_next(default: str) -> str:
    target = request.args.get("next", "")
    parts = urlsplit(target)
    return target if target.startswith("/") and not parts.netloc and not parts.scheme else default


def _limit(name: str):
    return lambda: current_app.config[name]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_limit("REGISTER_LIMIT"), methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        accounts.request_registration(form.email.data)
        flash(f"Check {form.email.data.strip()}: we've sent a link to finish creating your account "
              "(if it doesn't come, look in your spam folder).", "info")
        return redirect(url_for("main.home"))
    return render_template("auth/register.html", form=form), (422 if form.errors else 200)


@bp.route("/register/<token>", methods=["GET", "POST"])
def finish_registration(token: str):
    try:
        email = accounts.email_for_registration(token)
    except accounts.AccountError as err:
        flash(err.message, "error")
        return redirect(url_for("auth.register"))
    form = FinishRegistrationForm()
    if form.validate_on_submit():
        try:
            user = accounts.finish_registration(token, form.username.data, form.password.data)
        except accounts.AccountError as err:
            getattr(form, err.field if err.field in ("username", "password") else "username").errors.append(err.message)
        else:
            login_user(user)
            flash(f"Welcome to StoryForge, {user.username}!", "success")
            return redirect(url_for("topics.index"))
    return render_template("auth/register_finish.html", form=form, email=email), (422 if form.errors else 200)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_limit("LOGIN_LIMIT"), methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        client = throttle.client_of(request)
        try:
            user = accounts.authenticate(form.identifier.data, form.password.data, client)
        except throttle.Throttled as wait:
            unit = "second" if wait.retry_after == 1 else "seconds"
            error = (f"Too many failed sign-ins for this account from here. Wait {wait.retry_after} {unit} and "
                     "try again, or reset your password.")
            return _login_page(form, error, 429, {"Retry-After": str(wait.retry_after)})
        except accounts.AccountError as err:
            error, status = err.message, 401
        else:
            login_user(user, remember=form.remember.data)
            flash(f"Signed in as {user.username}.", "success")
            response = redirect(_safe_next(url_for("main.home")))
            throttle.remember_device(response, client, throttle.account_key(user.id, ""))
            return response
    return _login_page(form, error, status)


def _login_page(form: LoginForm, error: str | None, status: int, headers: dict | None = None):
    return render_template("auth/login.html", form=form, error=error), status, headers or {}


@bp.post("/logout")
@login_required
def logout():
    accounts.sign_out_everywhere(current_user)
    logout_user()
    flash("You are signed out, here and on every other browser.", "info")
    return redirect(url_for("main.home"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_limit("RESET_LIMIT"), methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.send_reset_link(form.identifier.data)
        flash("If that account exists, we've sent a reset link to its email address. It is valid for an hour.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_with_token(token: str):
    try:
        accounts.user_for_reset_token(token)
    except accounts.AccountError as err:
        flash(err.message, "error")
        return redirect(url_for("auth.reset_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
        except accounts.AccountError as err:
            form.password.errors.append(err.message)
        else:
            flash("Your password is changed. Sign in with the new one.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), (422 if form.errors else 200)
