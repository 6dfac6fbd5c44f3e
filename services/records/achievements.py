"""Learner achievements (我的成果 / 学员成果): the one writer of ``LearnerAchievement``.

Two ways in, each with every entry point behind it:

- a learner adds, modifies and deletes their own (成果添加): ``add_own``, ``modify_own``,
  ``delete_own``;
- an institution stores holdings of one of its institution achievements for learners:
  ``check_holdings`` + ``store_holdings`` for a batch (学员成果导入 .xlsx/.xls and API
  pushes, set-based), ``store_holding`` for one (新增学员).

Every invariant of the record is decided here: the subcategory's required fields, dates
not in the future nor before the learner's birth, one holding of a catalogue achievement
per learner, a disabled catalogue achievement takes no holdings, the name must match the
account of an ID number, the duplicate-certificate flag is kept, and each write is
audited. Withdrawal and revocation belong to the ledger (``services.ledger``); grants by a
conversion too.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from peewee import IntegrityError
from werkzeug.datastructures import FileStorage

from models import (
    AccountStatus,
    AchievementSource,
    AchievementStatus,
    Application,
    Attachment,
    CatalogueAchievement,
    Category,
    LearnerAchievement,
    User,
    now,
)
from services.accounts import permissions, users
from services.core import audit
from services.core.bulk import LOOKUP_CHUNK, chunks, insert_chunked, select_in
from services.core.database import transaction
from services.files import storage
from services.messaging import notify
from services.records import duplicates
from services.records.checks import REQUIRED, birth_date, check_date, present, schema_refusals
from services.records.errors import Message, Refusal, Refused, refuse_if
from services.records.validators import check_id_number

ALREADY_HELD = _l("already holds this achievement")
NAME_MISMATCH = _l("the name and the ID number do not match a learner account")
CATALOGUE_ACHIEVEMENT_DISABLED = _l("This institution achievement is disabled")
EVIDENCE_MISSING = _l("Please upload the related materials")
NOT_EDITABLE = _l("This achievement cannot be modified while it is under review.")
NOT_DELETABLE = _l("This achievement has applications and cannot be deleted.")
OPEN = ("pending", "initial_passed")

# The holding fields an institution gives (新增学员, the 学员成果 template, API items).
HOLDING_LABELS = {
    "real_name": _l("Learner name"),
    "id_number": _l("ID number"),
    "personal_code": _l("Personal achievement number"),
    "obtained_on": _l("Date of issue"),
}


def initial_status(category: Category, catalogue: CatalogueAchievement | None) -> str:
    """SPEC §4: catalogue-based non-informal achievements are recognised on adding."""
    if catalogue is not None and not category.is_informal:
        return AchievementStatus.CATALOGUE
    return AchievementStatus.NOT_APPLIED


# --- a learner's own ---------------------------------------------------------------------


def _own_refusals(learner: User, category: Category, values: dict[str, Any], manual_entry: bool,
                  files: Collection[FileStorage], evidence_kept: int = 0) -> list[Refusal]:
    """Required fields of the form (the schema's manual fields, every field for an
    achievement typed by hand), dates, and the evidence the subcategory requires."""
    specs = [s for s in category.field_schema or [] if manual_entry or s.get("source") == "manual"]
    refusals = schema_refusals(specs, values, birth_date(user=learner))
    if not files and not evidence_kept and any(item.get("required") for item in category.evidence or []):
        refusals.append(Refusal(EVIDENCE_MISSING, "evidence", code="evidence"))
    return refusals


def add_own(learner: User, category: Category, catalogue_achievement: CatalogueAchievement | None,
            values: dict[str, Any], *, name: str | None = None, institution_name: str | None = None,
            description: str | None = None, files: Collection[FileStorage] = ()) -> LearnerAchievement:
    """成果添加: the learner adds an achievement from the catalogue (``catalogue_achievement``)
    or typed by hand (``catalogue_achievement`` None: ``name`` and ``institution_name``).
    ``values`` are the schema field values ({name: value}). Returns the row; raises ``Refused``."""
    refusals = _own_refusals(learner, category, values, catalogue_achievement is None, files)
    if catalogue_achievement is not None:
        if catalogue_achievement.disabled:
            refusals.append(Refusal(CATALOGUE_ACHIEVEMENT_DISABLED, "catalogue_id"))
        elif LearnerAchievement.select().where(LearnerAchievement.learner == learner.id,
                                               LearnerAchievement.catalogue == catalogue_achievement.id).exists():
            refusals.append(Refusal(ALREADY_HELD, "catalogue_id", code="held"))
    else:
        refusals += _manual_name_refusals(category, name, institution_name)
    refuse_if(refusals)
    try:
        with transaction():
            achievement = LearnerAchievement.create(
                learner=learner,
                catalogue=catalogue_achievement and catalogue_achievement.id,
                category=category,
                # A hand-typed achievement's name is present: _manual_name_refusals refused it otherwise.
                name=catalogue_achievement.name if catalogue_achievement else cast(str, name).strip(),
                institution=catalogue_achievement.institution_id if catalogue_achievement else None,
                institution_name=None if catalogue_achievement else institution_name,
                fields=values,
                description=description or None,
                status=initial_status(category, catalogue_achievement),
                source=AchievementSource.SELF,
                obtained_on=_date(values.get("obtained_on")),
            )
            for file in files:
                storage.save_upload(file, "learner_achievement", achievement.id, user=learner)
            duplicates.note(achievement)
            audit.record("achievement_added", achievement, user=learner,
                         catalogue=catalogue_achievement and catalogue_achievement.id)
    except IntegrityError:  # the same catalogue achievement added twice at once
        raise Refused(Refusal(ALREADY_HELD, "catalogue_id", code="held")) from None
    return achievement


def _manual_name_refusals(category: Category, name: str | None, institution_name: str | None) -> list[Refusal]:
    """An achievement typed by hand names itself and (unless informal) its issuer."""
    refusals: list[Refusal] = []
    if not present(name):
        label = _l("Performance name") if category.is_informal else _l("Achievement name")
        refusals.append(Refusal(REQUIRED, "name", label, code="required"))
    if not category.is_informal and not present(institution_name):
        refusals.append(Refusal(REQUIRED, "institution_name", _l("Issuing institution"), code="required"))
    return refusals


def _date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def open_application_ids(achievement_ids: Iterable[int]) -> set[int]:
    """Those of ``achievement_ids`` an application is still waiting on (one query)."""
    if not achievement_ids:
        return set()
    rows = Application.select(Application.achievement).where(
        Application.achievement.in_(list(achievement_ids)), Application.status.in_(OPEN))
    return {row.achievement_id for row in rows}


def editable(achievement: LearnerAchievement, busy: Collection[int] | None = None) -> bool:
    """修改 only for a self-added achievement while nothing about it is under review (SPEC
    §6), and not once recognised, withdrawn or revoked: changing it then would keep a
    standing it never got. ``busy``: ids with open applications, fetched for a page."""
    busy = open_application_ids([achievement.id]) if busy is None else busy
    return (
        achievement.source == AchievementSource.SELF
        and achievement.status in (AchievementStatus.NOT_APPLIED, AchievementStatus.REFUSED,
                                   AchievementStatus.CATALOGUE)
        and achievement.id not in busy
    )


def editable_ids(achievements: Sequence[LearnerAchievement]) -> set[int]:
    busy = open_application_ids([a.id for a in achievements])
    return {a.id for a in achievements if editable(a, busy)}


def deletable(achievement: LearnerAchievement) -> bool:
    """删除 only for an editable achievement that never entered an application (history stays)."""
    return editable(achievement) and not Application.select().where(Application.achievement == achievement.id).exists()


def modify_own(learner: User, achievement: LearnerAchievement, values: dict[str, Any], *, name: str | None = None,
               institution_name: str | None = None, description: str | None = None,
               add_files: Collection[FileStorage] = (), remove_ids: Iterable[int] = ()) -> LearnerAchievement:
    """修改 of the learner's own achievement: its schema values (merged), name, description
    and evidence. Raises ``Refused``."""
    if achievement.learner_id != learner.id or not editable(achievement):
        raise Refused(NOT_EDITABLE)
    manual_entry = achievement.catalogue_id is None
    merged = {**(achievement.fields or {}), **values}
    kept = Attachment.of("learner_achievement", achievement.id).where(Attachment.id.not_in(list(remove_ids) or [0]))
    refusals = _own_refusals(learner, achievement.category, merged, manual_entry, add_files, kept.count())
    if manual_entry and name is not None:
        refusals += _manual_name_refusals(achievement.category, name, institution_name)
    refuse_if(refusals)
    changes = {"fields": merged, "description": description or None, "updated_at": now(),
               "obtained_on": _date(merged.get("obtained_on"))}
    if manual_entry and name is not None:
        changes.update(name=name.strip(), institution_name=institution_name)
    with transaction():
        LearnerAchievement.update(changes).where(LearnerAchievement.id == achievement.id).execute()
        previous_key, achievement.fields = achievement.certificate_key, merged
        duplicates.note(achievement, previous_key)
        Attachment.delete().where(Attachment.owner_type == "learner_achievement",
                                  Attachment.owner_id == achievement.id,
                                  Attachment.id.in_(list(remove_ids) or [0])).execute()
        for file in add_files:
            storage.save_upload(file, "learner_achievement", achievement.id, user=learner)
        audit.record("achievement_modified", achievement, user=learner)
    return achievement


def delete_own(learner: User, achievement: LearnerAchievement) -> None:
    """删除 of a self-added achievement that never entered an application."""
    if achievement.learner_id != learner.id or not deletable(achievement):
        raise Refused(NOT_DELETABLE)
    with transaction():
        Attachment.delete().where(Attachment.owner_type == "learner_achievement",
                                  Attachment.owner_id == achievement.id).execute()
        achievement.delete_instance()
        duplicates.refresh(achievement.catalogue_id, [achievement.certificate_key])
        audit.record("achievement_deleted", None, user=learner, achievement_id=achievement.id, name=achievement.name)


# --- holdings stored by an institution ---------------------------------------------------


def _holding_refusal(problem: Message, field: str, code: str | None = None) -> Refusal:
    return Refusal(problem, field, HOLDING_LABELS[field], code=code)


def check_holdings(catalogue_achievement: CatalogueAchievement, items: Sequence[dict[str, Any]],
                   today: dt.date | None = None) -> list[list[Refusal]]:
    """The refusals of each holding ``items`` (dicts of ``HOLDING_LABELS`` keys with
    parsed values) would store under ``catalogue_achievement``, in batched queries; sets ``learner_id`` on
    the items whose ID number has an account. Returns a list of refusal lists, in order."""
    refusals: list[list[Refusal]] = [[] for _ in items]
    for found, item in zip(refusals, items, strict=True):
        if (problem := check_id_number(item.get("id_number"))) is not None:
            found.append(_holding_refusal(problem, "id_number"))
            continue
        if catalogue_achievement.disabled:
            found.append(Refusal(CATALOGUE_ACHIEVEMENT_DISABLED, "catalogue_achievement_id"))
        check_date(found, "obtained_on", HOLDING_LABELS["obtained_on"], item.get("obtained_on"),
                   birth_date(item.get("id_number")), today)
    numbers = [item["id_number"] for found, item in zip(refusals, items, strict=True) if not found]
    accounts_by_number = {
        id_number: (user_id, real_name, role)
        for user_id, id_number, real_name, role in select_in(
            [User.id, User.id_number, User.real_name, User.role], User.id_number, numbers)
    }
    holders = {
        learner for (learner,) in select_in(
            [LearnerAchievement.learner], LearnerAchievement.learner,
            [account[0] for account in accounts_by_number.values()], catalogue=catalogue_achievement.id)
    }
    for found, item in zip(refusals, items, strict=True):
        account = accounts_by_number.get(item["id_number"])
        if account is None or found:
            continue
        user_id, real_name, role = account
        if not permissions.is_learner(role) or real_name != item["real_name"]:
            # One answer for both: no entry point may tell which names (or staff) are
            # registered under ID numbers.
            found.append(_holding_refusal(NAME_MISMATCH, "real_name", code="name_mismatch"))
        elif user_id in holders:
            found.append(_holding_refusal(ALREADY_HELD, "id_number", code="held"))
        item["learner_id"] = user_id
    return refusals


def store_holdings(catalogue_achievement: CatalogueAchievement, items: Sequence[dict[str, Any]], *,
                   institution_id: int | None, user: User | None, source: str = AchievementSource.IMPORT,
                   batch_id: int | None = None, when: dt.datetime | None = None) -> None:
    """Store checked ``items`` under ``catalogue_achievement`` in bulk: 未激活 learners for
    ID numbers without an account, one row each, the duplicate flags of their numbers, an
    inbox message to each activated learner. The caller holds the transaction."""
    when = when or now()
    new = [item for item in items if "learner_id" not in item]
    known = [item["learner_id"] for item in items if "learner_id" in item]
    users.insert_inactive_learners(
        ({"real_name": item["real_name"], "id_number": item["id_number"]} for item in new), institution_id, when)
    ids = dict(select_in([User.id_number, User.id], User.id_number, [item["id_number"] for item in new]))
    for item in new:
        item["learner_id"] = ids[item["id_number"]]
    insert_chunked(
        LearnerAchievement,
        ({"learner": item["learner_id"], "obtained_on": item["obtained_on"], "personal_code": item["personal_code"],
          "certificate_key": duplicates.certificate_key(item["personal_code"])} for item in items),
        catalogue=catalogue_achievement.id, category=catalogue_achievement.holder_category_id,
        name=catalogue_achievement.name, institution=catalogue_achievement.institution_id, fields={},
        status=initial_status(catalogue_achievement.category, catalogue_achievement), source=source,
        stored_by=institution_id,
        import_batch=batch_id, created_at=when, updated_at=when,
    )
    duplicates.refresh(catalogue_achievement.id, (duplicates.certificate_key(item["personal_code"]) for item in items))
    _tell_holders(catalogue_achievement, known)


def _tell_holders(catalogue_achievement: CatalogueAchievement, learner_ids: Sequence[int]) -> None:
    """An inbox message to each activated learner an institution stored an achievement for
    (one INSERT however many: an import may name thousands)."""
    if not learner_ids:
        return
    title = _l("An institution stored an achievement for you")
    body = _l("%(institution)s stored the achievement %(name)s in your learning account.",
              institution=catalogue_achievement.institution.name, name=catalogue_achievement.name)
    for part in chunks(learner_ids, LOOKUP_CHUNK):
        active = User.select(User.id, User.locale, User.phone).where(
            User.id.in_(part), User.status == AccountStatus.ACTIVE)
        notify.notify_many([(learner, title, body) for learner in active], link=notify.link_to("learner.home"))


def redate_holdings(changes: Iterable[tuple[int | None, str, dt.date | None]],
                    today: dt.date | None = None) -> list[list[Refusal]]:
    """A push names a stored holding again with another 颁证日期: ``changes`` are
    (achievement id, holder's ID number, new date). Returns the refusal list of each (the
    same date rule as a new holding) and writes the dates that pass."""
    refusals: list[list[Refusal]] = []
    moment = now()
    for achievement_id, id_number, obtained_on in changes:
        found: list[Refusal] = []
        check_date(found, "obtained_on", HOLDING_LABELS["obtained_on"], obtained_on, birth_date(id_number), today)
        refusals.append(found)
        if not found:
            LearnerAchievement.update(obtained_on=obtained_on, updated_at=moment).where(
                LearnerAchievement.id == achievement_id).execute()
    return refusals


def store_holding(catalogue_achievement: CatalogueAchievement, user: User, real_name: str | None,
                  id_number: str | None, personal_code: str | None, obtained_on: dt.date | None) -> LearnerAchievement:
    """新增学员: store ``catalogue_achievement`` for one learner; returns the row, raises ``Refused``."""
    item = {"real_name": real_name, "id_number": id_number, "personal_code": personal_code,
            "obtained_on": obtained_on}
    refusals = [Refusal(REQUIRED, key, label, code="required")
                for key, label in HOLDING_LABELS.items() if not present(item[key])]
    refuse_if(refusals)
    with transaction():
        refuse_if(check_holdings(catalogue_achievement, [item])[0])
        try:
            with transaction():
                store_holdings(catalogue_achievement, [item], institution_id=user.institution_id, user=user,
                               source=AchievementSource.INSTITUTION)
        except IntegrityError:  # stored by someone else at the same moment
            raise Refused(_holding_refusal(ALREADY_HELD, "id_number", code="held")) from None
        achievement = LearnerAchievement.get(LearnerAchievement.learner == item["learner_id"],
                                             LearnerAchievement.catalogue == catalogue_achievement.id)
        audit.record("learner_achievement_stored", achievement, user=user, learner=item["learner_id"])
    return achievement
