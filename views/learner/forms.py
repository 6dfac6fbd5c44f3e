"""Forms of the learner area. The achievement form is built from the subcategory's
``field_schema`` (SPEC §2), so a subcategory added by the center needs no code."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from services.records.field_schema import FIELD_PREFIX, Marked, schema_field


class AchievementBaseForm(FlaskForm):
    catalogue_id = HiddenField()
    description = TextAreaField(_l("Achievement description"), validators=[Optional(), Length(max=2000)])
    evidence = MultipleFileField(_l("Related materials"))


def achievement_form_class(category, manual_entry):
    """The form of ``category``: its manual fields, plus (for an achievement typed by hand) the
    name, the issuing institution and the fields the catalogue would otherwise fill."""

    class AchievementForm(AchievementBaseForm):
        pass

    if manual_entry:
        name_label = _l("Performance name") if category.is_informal else _l("Achievement name")
        AchievementForm.name = StringField(name_label, validators=[Marked(), Optional(), Length(max=200)])
        if not category.is_informal:
            AchievementForm.institution_name = StringField(
                _l("Issuing institution"), validators=[Marked(), Optional(), Length(max=200)]
            )
    for spec in category.field_schema or []:
        if spec.get("source") == "manual" or manual_entry:
            setattr(AchievementForm, FIELD_PREFIX + spec["name"], schema_field(spec))
    return AchievementForm


class ConversionApplyForm(FlaskForm):
    rule = RadioField(_l("Please choose a rule"), coerce=int, validators=[InputRequired()])
    materials = MultipleFileField(_l("Upload related materials"))


class FeedbackForm(FlaskForm):
    content = TextAreaField(_l("Problem description"), validators=[
        DataRequired(message=_l("Please describe the problem.")),
        Length(max=1000, message=_l("The problem description may have at most %(max)d characters."))])
    attachment = MultipleFileField(_l("Attachment (optional)"))


class CatalogueSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    project = StringField(_l("Project name"), validators=[Optional(), Length(max=100)])
    name = StringField(_l("Achievement name"), validators=[Optional(), Length(max=100)])
    institution = StringField(_l("Qualification institution name"), validators=[Optional(), Length(max=100)])
