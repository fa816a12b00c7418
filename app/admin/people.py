"""Users: search, a user's page, actions with a reason, data export, account deletion."""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import bp
from app.console import ConsoleError, erasure, users
from app.extensions import db
from app.models import Role, User


def _user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.get("/users")
def users_list():
    query = request.args.get("q", "")
    return render_template("admin/users.html", query=query,
                           found=users.search_users(query, request.args.get("page", 1, type=int)))


@bp.get("/users/<int:user_id>")
def user_page(user_id: int):
    user = _user_or_404(user_id)
    return render_template("admin/user.html", f=users.footprint(user), roles=list(Role))


@bp.post("/users/<int:user_id>/role")
def user_role(user_id: int):
    return _act(user_id, lambda user, reason: users.change_role(current_user, user, request.form.get("role", ""), reason),
                "Role changed.")


@bp.post("/users/<int:user_id>/<any(suspend, unsuspend, unlock, revoke, 'reset-quota'):action>")
def user_action(user_id: int, action: str):
    act = users.ACTIONS[action]
    return _act(user_id, lambda user, reason: act(current_user, user, reason), users.DONE[action])


def _act(user_id: int, action, done: str):
    user = _user_or_404(user_id)
    try:
        action(user, request.form.get("reason", ""))
    except ConsoleError as err:
        flash(err.message, "error")
    else:
        flash(done, "success")
    return redirect(url_for("admin.user_page", user_id=user_id))


@bp.get("/users/<int:user_id>/export")
def user_export(user_id: int):
    user = _user_or_404(user_id)
    data = erasure.export_account(user)
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="storyforge-{user.username}.zip"'})


@bp.route("/users/<int:user_id>/delete", methods=["GET", "POST"])
def user_delete(user_id: int):
    user = _user_or_404(user_id)
    if request.method == "POST":
        try:
            erasure.delete_account(current_user, user, request.form.get("reason", ""), request.form.get("confirm", ""))
        except ConsoleError as err:
            flash(err.message, "error")
        else:
            flash("The account is deleted. Its email, name, sessions and tokens are gone.", "success")
            return redirect(url_for("admin.user_page", user_id=user_id))
    return render_template("admin/user_delete.html", user=user, plan=erasure.plan_erasure(user))
