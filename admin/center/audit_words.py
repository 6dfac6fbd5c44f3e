"""The center's 审计日志 in words: each entry's action, record and details as a person reads
them (the list, its filter and its export). The word tables are ``services.audit``'s (every
recorded action has its words there); what reads the admin's views, the import kinds and
the institution form to name their codes lives here, in the admin layer."""
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from admin.flask_admin_adapter import registered_views
from forms.institution import InstitutionInfoForm
from models import ApiTokenScope, Decision, FeedbackStatus, Permission, Role
from services.audit import (
    ACTIONS,
    DETAILS,
    ENDPOINTS,
    IDENTITIES,
    METHODS,
    NAMING_DETAILS,
    OBJECTS,
    REASONS,
    USER_FIELDS,
)
from services.excel.kinds import KINDS


class _Words:
    """A fixed table of codes as an enum-like ``label`` (unknown codes shown as stored)."""

    def __init__(self, table):
        self.table = table

    def label(self, code):
        return str(self.table.get(code, code))


def _import_kinds():
    return _Words({code: kind.label for code, kind in KINDS.items()})


def _institution_fields():
    return _Words({name: field.args[0] for name, field in vars(InstitutionInfoForm).items()
                   if getattr(field, "args", None)})


def _admin_views():
    """Admin list endpoints by their menu names (an export names the list it came from)."""
    if not has_app_context() or "admin" not in current_app.extensions:
        return _Words({})
    return _Words({view.endpoint: view.name for admin in current_app.extensions["admin"]
                   for view in registered_views(admin)})


def _value_labels():
    return {"decision": Decision, "role": Role, "result": FeedbackStatus, "permissions": Permission,
            "scope": ApiTokenScope, "endpoint": _Words(ENDPOINTS), "method": _Words(METHODS),
            "reason": _Words(REASONS), "identity": _Words(IDENTITIES), "kind": _import_kinds(),
            "fields": _institution_fields(), "changed": _Words(USER_FIELDS), "view": _admin_views()}


def action_label(code):
    return str(ACTIONS.get(code, code or ""))


def object_label(object_type, object_id=None, details=None):
    """The record's kind in words and, when the entry names it, its name (never a bare
    ``#id``: the export has the id in a column of its own)."""
    if not object_type:
        return ""
    kind = str(OBJECTS.get(object_type, object_type))
    if isinstance(details, dict):
        name = next((details[key] for key in NAMING_DETAILS if details.get(key)), None)
        if name:
            return f"{kind}：{name}"
    return kind


def _text(key, value, enums):
    """One detail value as text: codes of known enums as their labels, lists joined,
    schema rows by their labels, other mappings as 键：值."""
    if value is None or value == "":
        return ""
    if isinstance(value, dict):
        return "；".join(f"{DETAILS.get(k, k)}：{_text(k, v, enums)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        parts = [str(v.get("label") or v.get("name")) if isinstance(v, dict) else _text(key, v, enums) for v in value]
        return "、".join(parts)
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if key in enums and isinstance(value, str):
        return str(enums[key].label(value))
    return str(value)


def detail_items(details):
    """The details of an entry as ``[(label, text)]`` in the order they were written."""
    if not isinstance(details, dict):
        return [] if details in (None, "") else [("", str(details))]
    enums = _value_labels()
    return [(str(DETAILS.get(key, key)), _text(key, value, enums)) for key, value in details.items()
            if value not in (None, "", [], {})]


def details_text(details):
    """The details on one line (the export's cell)."""
    return "；".join(f"{label}：{text}" if label else text for label, text in detail_items(details))


class ActionLabels:
    """The action codes as a ``Choices``-like enumeration (the export and the filter)."""

    @staticmethod
    def choices():
        return [(code, label) for code, label in ACTIONS.items()]
