from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.moderation.decisions import ACTIONS
from app.moderation.reports import DETAILS_MAX, REASONS
from app.moderation.strikes import APPEAL_MAX


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ReportForm(FlaskForm):
    reasons = SelectMultipleField(
        "What is wrong with it?", choices=[SelectChoice(key, label) for key, (label, _) in REASONS.items()],
        option_widget=widgets.CheckboxInput(), widget=widgets.ListWidget(prefix_label=False),
        validators=[DataRequired(message="Pick at least one reason.")],
    )
    details = TextAreaField("Anything else moderators should know (optional)", filters=[_strip],
                            validators=[Length(max=DETAILS_MAX, message=f"Keep it to {DETAILS_MAX} characters or fewer.")],
                            render_kw={"rows": 4, "maxlength": DETAILS_MAX})
    submit = SubmitField("Send report")


class DecisionForm(FlaskForm):
    action = SelectField("Action", choices=[SelectChoice(a, a.capitalize()) for a in ACTIONS])
    reason = StringField("Reason (goes to the audit log and the writer)", filters=[_strip],
                         validators=[DataRequired(message="Give a reason for the decision."), Length(max=500)])
    strike = BooleanField("Also give the writer a strike")
    submit = SubmitField("Apply to selected")


class AppealForm(FlaskForm):
    text = TextAreaField("Why was this decision wrong?", filters=[_strip],
                         validators=[DataRequired(message="Say why the decision was wrong."), Length(max=APPEAL_MAX)],
                         render_kw={"rows": 4, "maxlength": APPEAL_MAX})
    submit = SubmitField("Send appeal")


class _ClaimantFields(FlaskForm):
    material_url = StringField("Address (URL) of the segment", filters=[_strip],
                               validators=[DataRequired(message="Give the segment's address."), Length(max=500)])
    name = StringField("Your full name", filters=[_strip], validators=[DataRequired(message="Give your name."), Length(max=200)])
    address = StringField("Postal address", filters=[_strip], validators=[DataRequired(message="Give a postal address."), Length(max=300)])
    phone = StringField("Telephone", filters=[_strip], validators=[DataRequired(message="Give a telephone number."), Length(max=50)])
    email = StringField("Email", filters=[_strip], validators=[DataRequired(message="Give an email address."), Length(max=254)])
    signature = StringField("Signature (type your full name)", filters=[_strip],
                            validators=[DataRequired(message="Sign by typing your full name."), Length(max=200)])


class CopyrightNoticeForm(_ClaimantFields):
    work = TextAreaField("The copyrighted work you say is infringed", filters=[_strip],
                         validators=[DataRequired(message="Identify the work."), Length(max=2000)], render_kw={"rows": 3})
    good_faith = BooleanField("I have a good faith belief that the use of the material is not authorized by the copyright "
                              "owner, its agent, or the law.")
    accurate = BooleanField("The information in this notice is accurate, and under penalty of perjury, I am the owner, or "
                            "authorized to act on behalf of the owner, of the right that is allegedly infringed.")
    submit = SubmitField("Send notice")


class CounterNoticeForm(_ClaimantFields):
    mistake = BooleanField("Under penalty of perjury, I have a good faith belief that the material was removed as a result "
                           "of mistake or misidentification.")
    consent = BooleanField("I consent to the jurisdiction of the Federal District Court for my address, and will accept "
                           "service of process from the person who sent the notice.")
    submit = SubmitField("Send counter-notice")
