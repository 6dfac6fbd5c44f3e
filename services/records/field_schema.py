"""Forms built from a subcategory's ``field_schema`` (SPEC §2: categories are data). The
learner's 成果添加, the institution's 存储新成果 and the center's catalogue form all take
their fields from here, so a subcategory added by the center needs no code."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, Field, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

if TYPE_CHECKING:
    from services.records.errors import Refused

FIELD_PREFIX = "f_"


class Marked:
    """Marks a schema field required (the red ``*`` and the browser's own check) without
    deciding it: whether a record may lack the field is its domain service's call
    (services/records), the same for the form, the import and the API."""

    field_flags = {"required": True}

    def __call__(self, form: Any, field: Any) -> None:
        pass


def schema_field(spec: Mapping[str, Any]) -> Field:
    """One WTForms field for one schema entry ``{"name", "label", "type", "required", "options"}``."""
    label = spec.get("label") or spec["name"]
    checks = [Marked(), Optional()] if spec.get("required") else [Optional()]
    kind = spec.get("type", "text")
    if kind == "date":
        return DateField(label, validators=checks)
    if kind == "number":
        return DecimalField(label, validators=checks + [NumberRange(min=0)], places=None)
    if kind == "enum":
        choices = [("", _l("Please choose"))] + [(o, o) for o in spec.get("options") or []]
        return SelectField(label, choices=choices, validators=checks)
    return StringField(label, validators=checks + [Length(max=200)])


def json_value(value: Any) -> Any:
    """A form value as stored in the JSON ``fields``: dates as ISO text, numbers as numbers."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def schema_values(form: Any, specs: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The stored values of the schema fields ``form`` carries (empty ones left out)."""
    values: dict[str, Any] = {}
    for spec in specs:
        field = getattr(form, FIELD_PREFIX + spec["name"], None)
        if field is not None and field.data not in (None, ""):
            values[spec["name"]] = json_value(field.data)
    return values


def form_field_name(key: str | None) -> str | None:
    """The form field of a refusal's field key (``fields.x`` → ``f_x``)."""
    return FIELD_PREFIX + key[len("fields."):] if key and key.startswith("fields.") else key


def show_refusals(form: Any, refused: Refused, fallback: str) -> None:
    """Put each refusal of a domain service next to its field; those of no field of the
    form go under ``fallback`` (a field name)."""
    for refusal in refused.refusals:
        field = getattr(form, form_field_name(refusal.field) or "", None) or getattr(form, fallback)
        field.errors = [*field.errors, str(refusal)]


def schema_form_data(specs: Iterable[Mapping[str, Any]], values: Mapping[str, Any] | None) -> dict[str, Any]:
    """Stored values back into form data (for 修改)."""
    data: dict[str, Any] = {}
    for spec in specs:
        value = (values or {}).get(spec["name"])
        if value in (None, ""):
            continue
        if spec.get("type") == "date":
            value = dt.date.fromisoformat(value)
        elif spec.get("type") == "number":
            value = Decimal(str(value))
        data[FIELD_PREFIX + spec["name"]] = value
    return data
