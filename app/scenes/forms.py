from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.continuity.declare import parse_lines
from app.text import form_filter

PROMPT_HINT = "Describe what happens in this segment, up to 1000 characters. Name characters and places so they stay consistent."
VISIBILITY_CHOICES = [
    SelectChoice("public", "Public — listed, anyone can continue or fork"),
    SelectChoice("unlisted", "Unlisted — only people with the link"),
    SelectChoice("private", "Private — only you"),
]


class NewSceneForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(message="Give your scene a title."), Length(max=120)])
    topic = SelectField("Topic", validators=[DataRequired(message="Choose a topic.")])
    prompt = TextAreaField("First prompt", validators=[DataRequired(message="Write a prompt: describe what happens.")],
                           description=PROMPT_HINT, render_kw={"maxlength": 1000, "rows": 5})
    visibility = RadioField("Who can see it", choices=VISIBILITY_CHOICES, default="public")
    characters = TextAreaField("Characters", validators=[Optional(), Length(max=2000)], render_kw={"rows": 3},
                               description="One per line, e.g. “Mara: red coat, blonde hair”.")
    locations = TextAreaField("Locations", validators=[Optional(), Length(max=2000)], render_kw={"rows": 2},
                              description="One per line, e.g. “Harbor Street: grey cobbles”.")
    style = StringField("Style", validators=[Optional(), Length(max=120)], description="e.g. “noir, black and white”.")
    submit = SubmitField("Create scene")

    def declared(self) -> list[dict]:
        """The Bible the author declared up front, in the shape create_scene takes."""
        entries = parse_lines(self.characters.data, "character") + parse_lines(self.locations.data, "location")
        if self.style.data and self.style.data.strip():
            entries.append({"kind": "style", "name": self.style.data.strip(), "attributes": {}})
        return entries


class ContinueForm(FlaskForm):
    prompt = TextAreaField("What happens next?", validators=[DataRequired(message="Write a prompt: describe what happens next.")],
                           description=PROMPT_HINT, render_kw={"maxlength": 1000, "rows": 4})
    after_segment_id = HiddenField()
    submit = SubmitField("Continue this scene")


class ForkForm(FlaskForm):
    title = StringField("Title of your fork", validators=[Optional(), Length(max=120)])
    prompt = TextAreaField("Your next prompt (optional)", validators=[Optional()], render_kw={"maxlength": 1000, "rows": 3})
    submit = SubmitField("Fork here")


class SceneSettingsForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(message="Give your scene a title."), Length(max=120)])
    visibility = RadioField("Who can see it", choices=VISIBILITY_CHOICES,
                            description="Forks that others already made keep playing the segments they share "
                                        "with this scene; nothing after their fork point becomes visible through them.")
    submit = SubmitField("Save settings")


class SegmentActionForm(FlaskForm):
    submit = SubmitField("Go")


BIBLE_OPS = [
    SelectChoice("set_attribute", "Set an attribute (key → value)"),
    SelectChoice("unset_attribute", "Remove an attribute (key)"),
    SelectChoice("add_fact", "Add a state fact (key: dead, gone, injured …)"),
    SelectChoice("end_fact", "End a state fact (key)"),
    SelectChoice("rename", "Rename (value = new name)"),
    SelectChoice("add_alias", "Add an alias (value)"),
    SelectChoice("create", "New entity (key = kind, value = name)"),
]


class BibleChangeForm(FlaskForm):
    op = SelectField("Change", choices=BIBLE_OPS)
    entity_id = StringField("Entity id", filters=[form_filter("entity id")], validators=[Optional(), Length(max=12)],
                            description="For example C1 (not needed for a new entity).")
    key = StringField("Key", filters=[form_filter("key")], validators=[Optional(), Length(max=64)],
                      description="An attribute (hair, coat), a fact (dead) or a kind (character).")
    value = StringField("Value", filters=[form_filter("value")], validators=[Optional(), Length(max=255)])
    submit = SubmitField("Record the change")
