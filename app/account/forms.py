from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from app.text import form_filter


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password", validators=[DataRequired()], description="At least 10 characters.")
    confirm = PasswordField("Repeat new password", validators=[DataRequired(), EqualTo("new_password", message="The passwords don't match.")])
    submit = SubmitField("Change password")


class NewTokenForm(FlaskForm):
    name = StringField("Token name", filters=[form_filter("token name")], validators=[DataRequired(), Length(max=64)],
                       description="For example “my laptop script”.")
    submit = SubmitField("Create token")


class RevokeTokenForm(FlaskForm):
    submit = SubmitField("Revoke")
