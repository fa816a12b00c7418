from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user

from app.account import bp
from app.account.forms import ChangePasswordForm, NewTokenForm, RevokeTokenForm
from app.auth import accounts


def _settings(password_form=None, token_form=None, new_token=None, status=200):
    return render_template(
        "account/settings.html",
        password_form=password_form or ChangePasswordForm(prefix="pw"),
        token_form=token_form or NewTokenForm(prefix="tok"),
        revoke_form=RevokeTokenForm(),
        tokens=sorted(current_user.tokens, key=lambda t: t.created_at, reverse=True),
        new_token=new_token,
    ), status


@bp.get("")
@login_required
def settings():
    return _settings()


@bp.post("/password")
@login_required
def change_password():
    form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data)
        except accounts.AccountError as err:
            getattr(form, err.field or "new_password").errors.append(err.message)
        else:
            # every other session ended with the old password; this browser carries on with the new version
            login_user(current_user._get_current_object(),
                       remember=current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies)
            flash("Your password is changed. Other browsers signed in to your account are now signed out.", "success")
            return redirect(url_for("account.settings"))
    return _settings(password_form=form, status=422)


@bp.post("/tokens")
@login_required
def create_token():
    form = NewTokenForm(prefix="tok")
    if form.validate_on_submit():
        issued = accounts.create_api_token(current_user, form.name.data)
        flash("Token created. Copy it now: it won't be shown again.", "success")
        return _settings(new_token=issued.raw, status=201)
    return _settings(token_form=form, status=422)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    if RevokeTokenForm().validate_on_submit():
        try:
            accounts.revoke_api_token(current_user, token_id)
        except accounts.AccountError as err:
            flash(err.message, "error")
        else:
            flash("Token revoked. Programs using it can no longer sign in.", "success")
    return redirect(url_for("account.settings"))
