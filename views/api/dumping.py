"""Response schemas that dump through plain functions made once from their own fields.

marshmallow's ``dump`` walks every field of every item through several generic calls
(value lookup, default handling, the field's ``serialize``): a page of 100 conversion
records, each with its rule, learner, source, targets and reviews, took 5.9 ms of the
page's 23 (PostgreSQL, 1 000 000 achievements) — more than reading it. ``FastDump``
converts each field as that field's own ``_serialize`` does, for the kinds of field the
API's responses use (integers, floats, strings, ISO dates and date-times, nested schemas,
lists); a schema with any other field, a dump hook or a default, and any object that is
not a mapping, goes through marshmallow as before. The schema stays the one declaration
of what is sent: the OpenAPI document is written from it, and
tests/api/test_dumping.py compares every list's pages with marshmallow's own dump."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import Schema, fields
from marshmallow.utils import ensure_text_type, missing

Convert = Callable[[Any], Any]
ISO = (None, "iso", "iso8601")
_COMPILED: dict[type, Callable[[Mapping], dict] | None] = {}


class FastDump(Schema):
    """A response schema (see the module's docstring)."""

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        dump_one = _compiled(self)
        if dump_one is None:
            return super().dump(obj, many=many)
        many = self.many if many is None else bool(many)
        items = list(obj) if many and obj is not None else [obj]
        if not all(isinstance(item, Mapping) for item in items):
            return super().dump(obj, many=many)
        return [dump_one(item) for item in items] if many and obj is not None else dump_one(obj)


def _compiled(schema: Schema) -> Callable[[Mapping], dict] | None:
    """The schema's item dumper, made once per class; None for what marshmallow must do
    (an instance narrowed by ``only``/``exclude`` among them)."""
    if schema.only or schema.exclude:
        return None
    key = type(schema)
    if key not in _COMPILED:
        parts = [_part(name, field) for name, field in schema.dump_fields.items()]
        _COMPILED[key] = None if None in parts or any(schema._hooks.values()) else _dump_one(parts)
    return _COMPILED[key]


def _dump_one(parts: list) -> Callable[[Mapping], dict]:
    def dump_one(obj: Mapping) -> dict:
        out = {}
        for source, key, convert in parts:
            if source in obj:  # a missing key is left out, as marshmallow leaves it
                value = obj[source]
                out[key] = None if value is None else convert(value)
        return out

    return dump_one


def _part(name: str, field: fields.Field) -> tuple[str, str, Convert] | None:
    source = field.attribute or name
    if "." in source or field.dump_default is not missing:
        return None
    convert = _converter(field)
    return None if convert is None else (source, field.data_key or name, convert)


def _converter(field: fields.Field) -> Convert | None:
    """What ``field._serialize`` makes of a value that is not None, or None when the
    field is of a kind not covered here (a subclass may serialize otherwise: exact kinds
    only, but for a DateTime that says how, ``fast_serialize``)."""
    kind = type(field)
    if isinstance(field, (fields.Integer, fields.Float)) and kind in (fields.Integer, fields.Float):
        return None if field.as_string else field.num_type
    if kind is fields.String:
        return ensure_text_type
    if isinstance(field, fields.Date) and kind is fields.Date and field.format in ISO:
        return _iso
    if isinstance(field, fields.DateTime) and field.format in ISO:
        return getattr(kind, "fast_serialize", None)
    if isinstance(field, fields.Nested) and kind is fields.Nested:
        schema = field.schema
        if not isinstance(schema, FastDump) or field.only or field.exclude:
            return None
        return lambda value: schema.dump(value, many=field.many)
    if isinstance(field, fields.List) and kind is fields.List:
        inner = _converter(field.inner)
        if inner is None:
            return None
        return lambda values: [None if value is None else inner(value) for value in values]
    return None


def _iso(value: Any) -> str:
    return value.isoformat()
