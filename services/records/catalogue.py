"""Catalogue achievements (名录成果 / 机构成果; in code ``CatalogueAchievement``, in the API
``catalogue_achievement_id``): the one writer of ``CatalogueAchievement``. Call them
``catalogue.create`` / ``check_new`` / ``insert_many`` / ``delete``.

The center's 名录成果 form and import, an institution's 存储新成果 form and 机构成果导入 all come here.
Invariants: the subcategory's required catalogue fields; the type may be stored (by hand
only where it is not synchronised; authorised types only for institutions); one catalogue
achievement per institution, name and course/certificate code (``identity_key``, unique in
the database too); saved ones are immutable (the model refuses changes) and may be deleted
only while 未认定.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from peewee import IntegrityError

from models import CatalogueAchievement, Category, Level, RecognitionStatus, User, now
from services.accounts import permissions
from services.core import audit, bulk
from services.core.database import transaction
from services.records.checks import REQUIRED, present, schema_refusals
from services.records.errors import Message, Refusal, Refused, refuse_if

# The catalogue fields that tell two catalogue achievements of one name apart (a course's code).
IDENTITY_FIELDS = ("course_code", "certificate_code")
IN_CATALOGUE = _l("is already in the catalogue")
NAME = _l("Achievement name")
PROJECT = _l("Project name")
NOT_DELETABLE = _l("only achievements that are not recognised can be deleted")


def _normal(value: object) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).strip().upper()


def identity_key(name: str | None, fields: Mapping[str, Any] | None) -> str:
    """What makes a catalogue achievement the same achievement as another of its institution:
    the name and the course or certificate code, normalised (case, width, spaces)."""
    code = next((fields.get(f) for f in IDENTITY_FIELDS if (fields or {}).get(f)), "") if fields else ""
    return f"{_normal(name)}|{_normal(code)}"[:320]


def storable_refusal(category: Category, institution_id: int | None, by_hand: bool = True) -> Message | None:
    """Why an institution may not store catalogue achievements of ``category`` (by hand, or by
    import: synchronised types arrive only by import), or None. The center stores any type."""
    if institution_id is None:
        return None
    if by_hand and not category.manual_storage:
        return _l("%(type)s is synchronised from the certificate platform and cannot be stored by hand.",
                  type=category.name)
    if not permissions.may_store_type(institution_id, category):
        return _l("Storing %(type)s needs the authorisation of the credit bank management center; please contact it.",
                  type=category.name)
    return None


def check_new(category: Category, items: Sequence[dict[str, Any]], by_hand: bool = False,
              acting_institution: int | None = None) -> list[list[Refusal]]:
    """The refusals of each item (dicts: institution_id, project_name, name, fields) as a new
    catalogue achievement of ``category``, in one query for the catalogue clashes;
    ``acting_institution`` is the institution storing them (None: the center). Returns refusal
    lists, in order; sets ``identity_key`` on every item."""
    refusals = [schema_refusals(category.catalogue_fields(), item.get("fields") or {}, prefix="fields.")
                for item in items]
    blocked = storable_refusal(category, acting_institution, by_hand)
    for found, item in zip(refusals, items, strict=True):
        item["identity_key"] = identity_key(item.get("name"), item.get("fields"))
        if not present(item.get("name")):
            found.append(Refusal(REQUIRED, "name", NAME, code="required"))
        if blocked is not None:
            found.append(Refusal(blocked, "category", code="storable"))
    keys = {(item["institution_id"], item["identity_key"]) for item in items}
    taken = set(bulk.select_in([CatalogueAchievement.institution, CatalogueAchievement.identity_key],
                               CatalogueAchievement.identity_key, [key for _i, key in keys])) & keys
    seen: set[tuple[int | None, str]] = set()
    for found, item in zip(refusals, items, strict=True):
        key = (item["institution_id"], item["identity_key"])
        if key in taken or key in seen:
            found.append(Refusal(IN_CATALOGUE, "name", NAME, code="in_catalogue"))
        seen.add(key)
    return refusals


def _record(category: Category, item: Mapping[str, Any], user: User, when: dt.datetime) -> dict[str, Any]:
    fields = {k: v for k, v in (item.get("fields") or {}).items() if v not in (None, "")}
    return {
        "project_name": (item.get("project_name") or item["name"]).strip(),
        "name": item["name"].strip(),
        "institution": item["institution_id"],
        "category": category.id,
        "fields": fields,
        "level": item.get("level") or Level.code_of(fields.get("level")),
        "credits": None if item.get("credits") is None else str(item["credits"]),
        "framework_level": item.get("framework_level") or None,
        "valid_from": item.get("valid_from"),
        "intro": item.get("intro") or None,
        "identity_key": item["identity_key"],
        "created_by": user.id,
        "created_at": when,
    }


def insert_many(category: Category, items: Iterable[Mapping[str, Any]], user: User,
                when: dt.datetime | None = None) -> None:
    """Bulk insert of checked items (an import; the caller holds the transaction)."""
    when = when or now()
    to_json = CatalogueAchievement.fields.db_value
    bulk.insert_chunked(CatalogueAchievement, ({**record, "fields": to_json(record["fields"])}
                                               for record in (_record(category, item, user, when) for item in items)))


def create(user: User, category: Category, item: dict[str, Any], by_hand: bool = True) -> CatalogueAchievement:
    """One new catalogue achievement (名录成果 新增 by the center, 存储新成果 by an institution). ``item``
    as in ``check_new`` plus level, credits, framework_level, valid_from, intro. Returns the
    catalogue achievement; raises ``Refused``."""
    acting = None if permissions.is_center(user) else user.institution_id
    with transaction():
        refuse_if(check_new(category, [item], by_hand, acting)[0])
        try:
            with transaction():
                catalogue_achievement = CatalogueAchievement.create(**_record(category, item, user, now()))
        except IntegrityError:  # the same catalogue achievement stored at the same moment
            raise Refused(Refusal(IN_CATALOGUE, "name", NAME, code="in_catalogue")) from None
        action = "catalogue_created" if acting is None else "institution_achievement_stored"
        audit.record(action, catalogue_achievement, user=user, name=catalogue_achievement.name, category=category.code)
    return catalogue_achievement


def deletable(catalogue_achievement: CatalogueAchievement) -> Message | None:
    """Why ``catalogue_achievement`` cannot be deleted, or None (only 未认定 catalogue
    achievements; holders keep theirs)."""
    return None if catalogue_achievement.recognition_status == RecognitionStatus.UNRECOGNISED else NOT_DELETABLE


def delete(user: User, catalogue_achievement: CatalogueAchievement) -> None:
    problem = deletable(catalogue_achievement)
    if problem:
        raise Refused(problem)
    with transaction():
        catalogue_achievement.delete_instance()
        action = "catalogue_deleted" if permissions.is_center(user) else "institution_achievement_deleted"
        audit.record(action, catalogue_achievement, user=user, name=catalogue_achievement.name)


def set_disabled(user: User, catalogue_achievements: Sequence[CatalogueAchievement], disabled: bool) -> None:
    """停用 / 启用: learners no longer choose (or again choose) the catalogue achievements."""
    with transaction():
        CatalogueAchievement.update(disabled=disabled).where(
            CatalogueAchievement.id.in_([e.id for e in catalogue_achievements])).execute()
        for catalogue_achievement in catalogue_achievements:
            audit.record("catalogue_changed", catalogue_achievement, user=user, disabled=disabled)
