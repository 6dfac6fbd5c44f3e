"""Forms of the learner area. The achievement form is built from the subcategory's
``field_schema`` (SPEC §2), so a subcategory added by the center needs no code."""
import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

FIELD_PREFIX = "f_"


def schema_field(spec):
    """One WTForms field for one schema entry ``{"name", "label", "type", "required", "options"}``."""
    validators = [DataRequired()] if spec.get("required") else [Optional()]
    kind = spec.get("type", "text")
    if kind == "date":
        return DateField(spec["label"], validators=validators)
    if kind == "number":
        return DecimalField(spec["label"], validators=validators, places=None)
    if kind == "enum":
        choices = [("", _l("Please choose"))] + [(o, o) for o in spec.get("options", [])]
        return SelectField(spec["label"], choices=choices, validators=validators)
    return StringField(spec["label"], validators=validators + [Length(max=200)])


class AchievementBaseForm(FlaskForm):
    catalogue_id = HiddenField()
    description = TextAreaField(_l("Achievement description"), validators=[Optional(), Length(max=2000)])
    evidence = MultipleFileField(_l("Related materials"))


def achievement_form_class(category, manual_entry):
    """The form of ``category``: its manual fields, plus (for a non-catalogue entry) the
    name, the issuing institution and the fields the catalogue would otherwise fill."""

    class AchievementForm(AchievementBaseForm):
        pass

    if manual_entry:
        name_label = _l("Performance name") if category.is_informal else _l("Achievement name")
        AchievementForm.name = StringField(name_label, validators=[DataRequired(), Length(max=200)])
        if not category.is_informal:
            AchievementForm.institution_name = StringField(
                _l("Issuing institution"), validators=[DataRequired(), Length(max=200)]
            )
    for spec in category.field_schema or []:
        if spec.get("source") == "manual" or manual_entry:
            setattr(AchievementForm, FIELD_PREFIX + spec["name"], schema_field(spec))
    return AchievementForm


def schema_values(form, category):
    """The JSON-ready values of the schema fields the form carries."""
    values = {}
    for spec in category.field_schema or []:
        field = getattr(form, FIELD_PREFIX + spec["name"], None)
        if field is None:
            continue
        data = field.data
        if data is None or data == "":
            continue
        values[spec["name"]] = data.isoformat() if hasattr(data, "isoformat") else str(data)
    return values


def schema_form_data(category, values):
    """Stored values back into form data (for 修改)."""
    data = {}
    for spec in category.field_schema or []:
        value = (values or {}).get(spec["name"])
        if value in (None, ""):
            continue
        if spec.get("type") == "date":
            value = dt.date.fromisoformat(value)
        elif spec.get("type") == "number":
            value = Decimal(value)
        data[FIELD_PREFIX + spec["name"]] = value
    return data


class ConversionApplyForm(FlaskForm):
    rule = RadioField(_l("Please choose a rule"), coerce=int, validators=[InputRequired()])
    materials = MultipleFileField(_l("Upload related materials"))


class FeedbackForm(FlaskForm):
    content = TextAreaField(_l("Problem description"), validators=[DataRequired(), Length(max=1000)])
    attachment = MultipleFileField(_l("Attachment (optional)"))


class CatalogueSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    project = StringField(_l("Project name"), validators=[Optional(), Length(max=100)])
    name = StringField(_l("Achievement name"), validators=[Optional(), Length(max=100)])
    institution = StringField(_l("Qualification institution name"), validators=[Optional(), Length(max=100)])
