from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp

from app.text import form_filter


class RegisterForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(message="Enter a valid email address."), Length(max=254)])
    submit = SubmitField("Send the link")


class FinishRegistrationForm(FlaskForm):
    username = StringField(
        "Username",
        filters=[form_filter("username")],
        validators=[
            DataRequired(),
            Length(min=3, max=32, message="Use 3 to 32 characters."),
            Regexp(r"^[A-Za-z0-9_.-]+$", message="Use letters, digits, dots, dashes and underscores only."),
        ],
        description="Shown on everything you write. 3–32 letters, digits, . _ -",
    )
    password = PasswordField("Password", validators=[DataRequired()], description="At least 10 characters.")
    confirm = PasswordField("Repeat password", validators=[DataRequired(), EqualTo("password", message="The passwords don't match.")])
    submit = SubmitField("Create account")


class LoginForm(FlaskForm):
    identifier = StringField("Email or username", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me signed in")
    submit = SubmitField("Sign in")


class ResetRequestForm(FlaskForm):
    identifier = StringField("Email or username", validators=[DataRequired(), Length(max=254)])
    submit = SubmitField("Send reset link")


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired()], description="At least 10 characters.")
    confirm = PasswordField("Repeat new password", validators=[DataRequired(), EqualTo("password", message="The passwords don't match.")])
    submit = SubmitField("Set new password")
