"""Accounts: registration confirmed by mail, throttled sign-in, sessions that end, password reset, API tokens."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, or_, select

from app.auth import throttle
from app.auth.passwords import password_problem
from app.extensions import db
from app.mail import public_url, send_mail
from app.models import ApiToken, Role, SignIn, User
from app.models.base import utcnow
from app.models.user import hash_token
from app.text import TextRefused, clean_text

LAST_USED_RESOLUTION = timedelta(minutes=1)
BAD_CREDENTIALS = "That email/username and password don't match. Check them and try again."
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,32}$")


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
    """A new account (the email is trusted: confirmed by mail, or typed by an operator)."""
    email = email.strip().lower()
    try:
        username = clean_text(username, "username")
    except TextRefused as err:
        raise AccountError(err.message, "username") from None
    if not USERNAME.match(username):
        raise AccountError("Use 3 to 32 letters, digits, dots, dashes and underscores.", "username")
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


# --- registration, confirmed by mail -------------------------------------------------------------

def _registration_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="register")


def request_registration(email: str) -> None:
    """Mail a link to finish signing up — or, when the address already has an account, tell its owner
    that someone tried. The caller answers the same either way, so the form reveals nothing."""
    email = email.strip().lower()
    hours = current_app.config["REGISTER_TOKEN_MAX_AGE"] // 3600
    owner = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if owner is not None:
        send_mail(email, "Someone tried to create a StoryForge account with your email",
                  f"Hi {owner.username},\n\nSomeone (hopefully you) tried to create a new StoryForge account with "
                  "this email address. You already have one, so nothing was created.\n\n"
                  f"Sign in: {public_url('auth.login')}\n"
                  f"Forgot your password? Reset it: {public_url('auth.reset_request')}\n\n"
                  "If it wasn't you, ignore this message; your account is unchanged.\n")
        return
    token = _registration_serializer().dumps({"email": email})
    send_mail(email, "Finish creating your StoryForge account",
              "Hi,\n\nSomeone (hopefully you) asked to create a StoryForge account with this email address.\n"
              f"Open this link within {hours} hours to choose your username and password:\n\n"
              f"{public_url('auth.finish_registration', token=token)}\n\n"
              "If it wasn't you, ignore this message; no account is created.\n")


def email_for_registration(token: str) -> str:
    """The confirmed address in a registration link, or AccountError when the link can't be used."""
    try:
        data = _registration_serializer().loads(token, max_age=current_app.config["REGISTER_TOKEN_MAX_AGE"])
    except SignatureExpired as exc:
        raise AccountError("This link has expired. Ask for a new one.") from exc
    except BadSignature as exc:
        raise AccountError("This link is not valid. Ask for a new one.") from exc
    email = str(data.get("email", ""))
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise AccountError("This link was already used: the account exists. Sign in, or reset your password.")
    return email


def finish_registration(token: str, username: str, password: str) -> User:
    """The account for the address the link confirms, with the chosen username and password."""
    return register_user(email_for_registration(token), username, password)


def check_password(password: str, *, username: str = "", email: str = "", field: str = "password") -> None:
    problem = password_problem(
        password, min_length=current_app.config["PASSWORD_MIN_LENGTH"], username=username, email=email
    )
    if problem:
        raise AccountError(problem, field)


def authenticate(identifier: str, password: str, client: throttle.Client) -> User:
    """The user for these credentials. Failures slow this client down for this account
    (``app.auth.throttle``); raises AccountError, or throttle.Throttled while the client must wait."""
    user = find_user(identifier)
    account = throttle.account_key(user.id if user else None, identifier)
    throttle.check(account, client)
    if user is None:
        # Hash anyway so an unknown account takes as long as a wrong password.
        User(password_hash=_dummy_hash()).check_password(password)
        throttle.record_failure(account, client)
        raise AccountError(BAD_CREDENTIALS)
    if not user.check_password(password):
        throttle.record_failure(account, client)
        raise AccountError(BAD_CREDENTIALS)
    throttle.record_success(account, client)
    if user.is_suspended:
        raise AccountError(suspension_notice(user))
    from app.moderation.strikes import sign_in_refusal

    if (suspended := sign_in_refusal(user)) is not None:  # only the account's owner learns it is suspended
        raise AccountError(suspended)
    user.last_login_at = utcnow()
    db.session.add(SignIn(user_id=user.id, at=user.last_login_at, address=client.address[:64]))
    db.session.commit()
    return user


def suspension_notice(user: User) -> str:
    """What a suspended person reads when they try to sign in: that, since when, and why."""
    since = user.suspended_at.strftime("%Y-%m-%d") if user.suspended_at else "now"
    reason = (user.suspension_reason or "").strip() or "no reason was given"
    return (f"This account is suspended (since {since}): {reason}. "
            "If you think this is a mistake, tell us through the feedback form.")


def sign_out_everywhere(user: User) -> None:
    """End every session and remember-me cookie of ``user`` (sign-out ends them on all browsers)."""
    user.end_sessions()
    db.session.commit()


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
    user.end_sessions()  # a stolen session or remember-me cookie stops working with the old password
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
    link = public_url("auth.reset_with_token", token=reset_token(user))
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
    user.end_sessions()
    db.session.commit()
    throttle.forget_account(throttle.account_key(user.id, ""))
    return user


# --- API tokens --------------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str


def create_api_token(user: User, name: str) -> IssuedToken:
    try:
        name = clean_text(name, "token name")
    except TextRefused as err:
        raise AccountError(err.message, "name") from None
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
    if token is None or not token.active or token.user.is_suspended:
        return None
    now = utcnow()
    last = token.last_used_at
    if last is not None and last.tzinfo is None:  # SQLite returns naive datetimes
        last = last.replace(tzinfo=now.tzinfo)
    if last is None or now - last > LAST_USED_RESOLUTION:  # no write on every API call
        token.last_used_at = now
        db.session.commit()
    return token.user
