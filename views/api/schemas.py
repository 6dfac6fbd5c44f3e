"""Request and response schemas of /api/v1/ (marshmallow): they validate what comes in and
describe what goes out in the OpenAPI document — exactly: numbers as JSON numbers,
date-times in RFC 3339 with their UTC offset, integers within the database's range."""
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from models import ApplicationStatus, RuleType
from views.api.dumping import FastDump

MAX_PAGE = 100
MAX_ID = 2**31 - 1  # the ids' column type on PostgreSQL


class DateTime(fields.DateTime):
    """RFC 3339 with the offset: the database keeps the server's local time without one."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.astimezone()
        return super()._serialize(value, attr, obj, **kwargs)

    @staticmethod
    def fast_serialize(value):
        """What ``_serialize`` makes of a value (not None) in the default format (FastDump)."""
        return (value.astimezone() if value.tzinfo is None else value).isoformat()


class PageArgs(Schema):
    """Paging by keyset cursor: newest first, ``cursor`` is the ``next_cursor`` of the previous page."""

    cursor = fields.String(validate=validate.Regexp(r"^[0-9]{1,16}\.[0-9]{1,10}$"), metadata={
        "description": "next_cursor of the previous page (where that page ended in the list's order)"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))


class Page(FastDump):
    next_cursor = fields.String(allow_none=True, metadata={"description": "opaque; null on the last page"})


DIRECTIONS = ("received", "initiated")


class ApplicationArgs(PageArgs):
    direction = fields.String(validate=validate.OneOf(DIRECTIONS), metadata={
        "description": "received: under the institution's rules; initiated: its batch applications; both if absent"})
    status = fields.String(validate=validate.OneOf(ApplicationStatus.codes()))
    submitted_from = fields.Date()
    submitted_to = fields.Date()


class RecordArgs(PageArgs):
    direction = fields.String(validate=validate.OneOf(DIRECTIONS))
    result = fields.String(validate=validate.OneOf(
        (ApplicationStatus.PASSED, ApplicationStatus.REFUSED, ApplicationStatus.REVOKED)))
    decided_from = fields.Date()
    decided_to = fields.Date()


class RuleArgs(PageArgs):
    cursor = fields.String(validate=validate.Regexp(r"^[0-9]{1,10}$"), metadata={
        "description": "next_cursor of the previous page (the last rule's id)"})
    institution_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    rule_type = fields.String(validate=validate.OneOf(RuleType.codes()))


class RuleRef(FastDump):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class Learner(FastDump):
    name = fields.String()
    id_number = fields.String(metadata={"description": "masked"})


class Source(FastDump):
    name = fields.String()
    personal_code = fields.String(allow_none=True)
    obtained_on = fields.Date(allow_none=True)


class Application(FastDump):
    id = fields.Integer()
    kind = fields.String()
    direction = fields.String(validate=validate.OneOf(DIRECTIONS))
    status = fields.String()
    status_label = fields.String()
    submitted_at = DateTime()
    decided_at = DateTime(allow_none=True)
    rule = fields.Nested(RuleRef)
    learner = fields.Nested(Learner)
    source = fields.Nested(Source)
    targets = fields.List(fields.String())
    revoked_at = DateTime(allow_none=True, metadata={"description": "when the ledger revoked it (status revoked)"})
    revoked_reason = fields.String(allow_none=True)


class Review(FastDump):
    stage = fields.String()
    decision = fields.String()
    opinion = fields.String()
    created_at = DateTime()


class Record(Application):
    certificate_code = fields.String(allow_none=True)
    reviews = fields.List(fields.Nested(Review))


class CatalogueAchievement(FastDump):
    id = fields.Integer()
    name = fields.String()
    institution = fields.String()
    credits = fields.Float(allow_none=True)
    exempt_modules = fields.String(allow_none=True)


class Institution(FastDump):
    id = fields.Integer()
    name = fields.String()


class Rule(FastDump):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    rule_type = fields.String()
    institution = fields.Nested(Institution)
    target_major = fields.String(allow_none=True)
    target_level = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    published_at = DateTime(allow_none=True)
    sources = fields.List(fields.Nested(CatalogueAchievement))
    targets = fields.List(fields.Nested(CatalogueAchievement))


class ApplicationPage(Page):
    items = fields.List(fields.Nested(Application))


class RecordPage(Page):
    items = fields.List(fields.Nested(Record))


class RulePage(Page):
    items = fields.List(fields.Nested(Rule))


# --- the push ----------------------------------------------------------------------------


class PushItem(Schema):
    """One learner achievement, as a row of the 学员成果 import template. The values are
    checked by the import itself (same reasons), so they are plain strings here."""

    # Required, under this name or its former one (the document says so with anyOf: ONE_OF_THE_NAMES).
    catalogue_achievement_id = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID),
                                              metadata={"description": "id of one of your 机构成果 (catalogue achievements)"})
    # The field's first name, kept for clients written against it.
    institution_achievement_id = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), metadata={
        "deprecated": True, "description": "Deprecated: the former name of catalogue_achievement_id, read only "
                                           "when catalogue_achievement_id is absent"})
    real_name = fields.String(allow_none=True, metadata={"description": "学员姓名"})
    id_number = fields.String(allow_none=True, metadata={"description": "身份证号"})
    personal_code = fields.String(allow_none=True, metadata={"description": "个人成果编号 (the idempotency key)"})
    obtained_on = fields.String(allow_none=True, metadata={"description": "颁证日期, YYYY-MM-DD"})


    @pre_load
    def _former_name(self, data, **kwargs):
        if isinstance(data, dict) and "catalogue_achievement_id" not in data and "institution_achievement_id" in data:
            return {**data, "catalogue_achievement_id": data["institution_achievement_id"]}
        return data

    @validates_schema
    def _named(self, data, **kwargs):
        if data.get("catalogue_achievement_id") is None:
            raise ValidationError("Missing data for required field.", "catalogue_achievement_id")


# What PushItem's document adds to its properties: one of the two names must be there.
ONE_OF_THE_NAMES = {"anyOf": [{"required": ["catalogue_achievement_id"]}, {"required": ["institution_achievement_id"]}]}


class Push(Schema):
    items = fields.List(fields.Nested(PushItem), required=True, validate=validate.Length(min=1))


class PushResult(Schema):
    index = fields.Integer(metadata={"description": "position in items, from 0"})
    row = fields.Integer(metadata={"description": "the row of the import template (index + 2) the reasons name"})
    status = fields.String(validate=validate.OneOf(("accepted", "updated", "unchanged", "rejected")))
    learner_achievement_id = fields.Integer(allow_none=True)
    reasons = fields.List(fields.String())


class PushResponse(Schema):
    accepted = fields.Integer(metadata={"description": "items stored"})
    updated = fields.Integer(metadata={"description": "items already stored whose 颁证日期 was corrected"})
    unchanged = fields.Integer(metadata={"description": "items already stored as sent"})
    rejected = fields.Integer(metadata={"description": "items refused, each with its reasons"})
    results = fields.List(fields.Nested(PushResult))
