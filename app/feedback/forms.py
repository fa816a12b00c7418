from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

MESSAGE_MAX = 2000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _page_address(form, field):
    """A path on this site ("/scenes/3") or a web address; nothing else is stored."""
    parts = urlsplit(field.data)
    local = field.data.startswith("/") and not field.data.startswith("//")
    if not local and not (parts.scheme in ("http", "https") and parts.netloc):
        raise ValidationError("Paste the page's address (it starts with / or https://), or leave this empty.")


class FeedbackForm(FlaskForm):
    message = TextAreaField(
        "Your message",
        filters=[_strip],
        validators=[DataRequired(message="Write a message: what happened, or what you'd like to see."),
                    Length(max=MESSAGE_MAX, message=f"Keep the message to {MESSAGE_MAX} characters or fewer.")],
        description=f"What worked, what didn't, what you'd like. Up to {MESSAGE_MAX} characters.",
        render_kw={"rows": 7, "maxlength": MESSAGE_MAX},
    )
    email = EmailField(
        "Your email (optional)",
        filters=[_strip],
        validators=[Optional(), Email(message="Enter a valid email address, or leave this empty."), Length(max=254)],
        description="Only if you'd like a reply. We use it for nothing else.",
    )
    page_url = StringField(
        "Page it's about (optional)",
        filters=[_strip],
        validators=[Optional(), Length(max=500, message="Keep the address to 500 characters or fewer."), _page_address],
        description="Filled in with the page you came from; clear it if your message is about something else.",
    )
    submit = SubmitField("Send feedback")
