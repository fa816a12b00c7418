"""Accounts: registration, sign-in with lockout, password reset, API tokens."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, or_, select

from app.auth.passwords import password_problem
from app.extensions import db
from app.models import ApiToken, Role, User
from app.models.base import utcnow
from app.models.user import hash_token
from app.services.mail import send_mail

LAST_USED_RESOLUTION = timedelta(minutes=1)
BAD_CREDENTIALS = "That email/username and password don't match. Check them and try again."


class AccountError(ValueError):
    """A user-facing reason an account action was refused; ``field`` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def find_user(identifier: str) -> User | None:
    ident = identifier.strip().lower()
    return db.session.scalar(
        select(User).where(or_(func.lower(User.email) == ident, func.lower(User.username) == ident))
    )


def register_user(email: str, username: str, password: str, role: str = Role.USER) -> User:
    email, username = email.strip().lower(), username.strip()
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise AccountError("An account with that email already exists. Sign in or reset your password.", "email")
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise AccountError("That username is taken. Try another.", "username")
    check_password(password, username=username, email=email)
    user = User(email=email, username=username, role=str(role))
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def check_password(password: str, *, username: str = "", email: str = "", field: str = "password") -> None:
    problem = password_problem(
        password, min_length=current_app.config["PASSWORD_MIN_LENGTH"], username=username, email=email
    )
    if problem:
        raise AccountError(problem, field)


def authenticate(identifier: str, password: str) -> User:
    """The user for these credentials, counting failures and locking after too many."""
    user = find_user(identifier)
    if user is None:
        # Hash anyway so an unknown account takes as long as a wrong password.
        User(password_hash=_dummy_hash()).check_password(password)
        raise AccountError(BAD_CREDENTIALS)
    if user.is_locked():
        raise AccountError(_locked_message())
    if not user.check_password(password):
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["LOCKOUT_THRESHOLD"]:
            user.locked_until = utcnow() + timedelta(minutes=current_app.config["LOCKOUT_MINUTES"])
            user.failed_logins = 0
            db.session.commit()
            raise AccountError(_locked_message())
        db.session.commit()
        raise AccountError(BAD_CREDENTIALS)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def _locked_message() -> str:
    minutes = current_app.config["LOCKOUT_MINUTES"]
    return (
        f"This account is locked for {minutes} minutes after too many failed sign-in attempts. "
        "Wait and try again, or reset your password to unlock it now."
    )


_DUMMY: dict[str, str] = {}


def _dummy_hash() -> str:
    if "hash" not in _DUMMY:
        probe = User()
        probe.set_password("not-a-real-password")
        _DUMMY["hash"] = probe.password_hash
    return _DUMMY["hash"]


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise AccountError("Your current password is not correct.", "current_password")
    check_password(new, username=user.username, email=user.email, field="new_password")
    user.set_password(new)
    db.session.commit()


# --- password reset -------------------------------------------------------------------------

def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def reset_token(user: User) -> str:
    # The hash fragment makes the token single use: once the password changes it no longer matches.
    return _reset_serializer().dumps({"uid": user.id, "pw": user.password_hash[-16:]})


def send_reset_link(identifier: str) -> None:
    """Mail a reset link if the account exists; says nothing either way."""
    user = find_user(identifier)
    if user is None:
        return
    link = url_for("auth.reset_with_token", token=reset_token(user), _external=True)
    minutes = current_app.config["RESET_TOKEN_MAX_AGE"] // 60
    send_mail(
        user.email,
        "Reset your StoryForge password",
        f"Hi {user.username},\n\nSomeone (hopefully you) asked to reset your StoryForge password.\n"
        f"Open this link within {minutes} minutes to choose a new one:\n\n{link}\n\n"
        "If you didn't ask for this, ignore this message; your password stays the same.\n",
    )


def user_for_reset_token(token: str) -> User:
    try:
        data = _reset_serializer().loads(token, max_age=current_app.config["RESET_TOKEN_MAX_AGE"])
    except SignatureExpired as exc:
        raise AccountError("This reset link has expired. Ask for a new one.") from exc
    except BadSignature as exc:
        raise AccountError("This reset link is not valid. Ask for a new one.") from exc
    user = db.session.get(User, data.get("uid"))
    if user is None or user.password_hash[-16:] != data.get("pw"):
        raise AccountError("This reset link has already been used. Ask for a new one.")
    return user


def reset_password(token: str, new: str) -> User:
    user = user_for_reset_token(token)
    check_password(new, username=user.username, email=user.email)
    user.set_password(new)
    user.failed_logins = 0
    user.locked_until = None
    db.session.commit()
    return user


# --- API tokens --------------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str


def create_api_token(user: User, name: str) -> IssuedToken:
    name = name.strip()
    if not name:
        raise AccountError("Give the token a name so you can recognise it later.", "name")
    token, raw = ApiToken.issue(user, name[:64])
    db.session.add(token)
    db.session.commit()
    return IssuedToken(token, raw)


def revoke_api_token(user: User, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise AccountError("That token doesn't exist.")
    token.revoked_at = token.revoked_at or utcnow()
    db.session.commit()


def user_for_api_token(raw: str) -> User | None:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or not token.active:
        return None
    now = utcnow()
    last = token.last_used_at
    if last is not None and last.tzinfo is None:  # SQLite returns naive datetimes
        last = last.replace(tzinfo=now.tzinfo)
    if last is None or now - last > LAST_USED_RESOLUTION:  # no write on every API call
        token.last_used_at = now
        db.session.commit()
    return token.user
