"""POST /api/v1/achievements: an institution pushes learner achievements of its own
institution achievements (the synchronisation path of X certificates, seed 004).

Each item goes through the Excel import of 学员成果 (``services.excel``'s
``learner_achievements`` kind): the same cell checks, the same duplicate and database
checks, the same reasons and the same insert. Items are numbered as the rows of that
kind's template would be (the header is row 1, the first item row 2), so a reason reads
exactly as in the import's 未导入 workbook.

On top of the import, a push is idempotent by 个人成果编号: an item whose number the
institution achievement already has for the same learner changes nothing (or, when its
颁证日期 differs, updates that date), and is never stored twice."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any, cast

import psycopg2
from flask_babel import gettext as _
from peewee import IntegrityError

from models import CatalogueAchievement, LearnerAchievement, User, now
from services import excel
from services.accounts import permissions
from services.accounts.permissions import Who
from services.core import database
from services.records import achievements

KIND = "learner_achievements"
ACCEPTED, UPDATED, UNCHANGED, REJECTED = "accepted", "updated", "unchanged", "rejected"
FIRST_ROW = 2  # the template's header is row 1
TARGET = excel.Column("catalogue_achievement_id", "机构成果", required=True)
# Unique inside one institution achievement of one push: the import's key (the ID number)
# and the idempotency key.
UNIQUE = SimpleNamespace(keys=("id_number", "personal_code"))
# The import's bulk insert runs on the driver's cursor: its errors are the drivers' own.
INTEGRITY_ERRORS = (IntegrityError, sqlite3.IntegrityError, psycopg2.IntegrityError)


class Conflict(Exception):
    """A concurrent call stored one of the same holdings first; nothing of this one was kept."""


def columns() -> list[excel.Column]:
    return list(excel.KINDS[KIND].columns(None))


def push(principal: Who, user: User, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Validate and store ``items`` (dicts of the template's keys plus
    ``catalogue_achievement_id``) for ``principal``'s institution; returns one result per
    item, in order: {index, row, status, learner_achievement_id, reasons}."""
    kind = excel.KINDS[KIND]
    cols = columns()
    rows = _parse(items, cols)
    wanted = {item.get("catalogue_achievement_id") for item in items}
    catalogue_achievements = _catalogue_achievements(principal, wanted)
    groups: dict[int, tuple[CatalogueAchievement, list[excel.Row]]] = {}
    for index, row in enumerate(rows):
        catalogue_achievement = catalogue_achievements.get(items[index].get("catalogue_achievement_id"))
        if catalogue_achievement is None:
            excel.refuse(row, TARGET, _("is not one of your institution's achievements"))
        else:
            groups.setdefault(catalogue_achievement.id, (catalogue_achievement, []))[1].append(row)
    outcome: dict[int, tuple[str, int | None]] = {}
    try:
        with database.transaction():
            for catalogue_achievement, group in groups.values():
                outcome.update(_store(kind, cols, catalogue_achievement, group, principal, user))
    except INTEGRITY_ERRORS as error:
        raise Conflict() from error
    return [
        {
            "index": index,
            "row": row.number,
            "status": REJECTED if row.errors else outcome[row.number][0],
            "learner_achievement_id": None if row.errors else outcome[row.number][1],
            "reasons": list(row.errors),
        }
        for index, row in enumerate(rows)
    ]


def _parse(items: Sequence[Mapping[str, Any]], cols: Sequence[excel.Column]) -> list[excel.Row]:
    """One ``excel.Row`` per item, parsed by the import as a sheet under the template's
    header. The import skips blank rows; a blank item is refused as missing its values."""
    sheet: list[list[object]] = [[column.header for column in cols]]
    sheet += [[_cell(item.get(column.key)) for column in cols] for item in items]
    try:
        parsed = {row.number: row for row in excel.parse_rows(sheet, cols)}
    except excel.ImportFileError:  # every item blank
        parsed = {}
    rows = []
    for index in range(len(items)):
        number = index + FIRST_ROW
        row = parsed.get(number)
        if row is None:
            row = excel.Row(number, {}, [], ())
            for column in cols:
                if column.required:
                    excel.refuse(row, column, _("is required"))
        rows.append(row)
    return rows


def _cell(value: object) -> object:
    return "" if value is None else value


def _catalogue_achievements(principal: Who, ids: Iterable[object]) -> dict[object, CatalogueAchievement]:
    """The institution's own, enabled institution achievements among ``ids`` (one query);
    another institution's id is simply not among them."""
    ids = [i for i in ids if isinstance(i, int)]
    query = CatalogueAchievement.select().where(CatalogueAchievement.id.in_(ids), ~CatalogueAchievement.disabled)
    query = permissions.scope_by_institution(query, CatalogueAchievement.institution, principal)
    return {catalogue_achievement.id: catalogue_achievement for catalogue_achievement in query}


def _store(kind: excel.ImportKind, cols: Sequence[excel.Column], catalogue_achievement: CatalogueAchievement,
           group: list[excel.Row], principal: Who, user: User) -> dict[int, tuple[str, int | None]]:
    """Results {row number: (status, learner achievement id)} of one institution
    achievement's rows; refused rows get their reasons."""
    excel.refuse_duplicates(group, UNIQUE, cols)
    candidates = [row for row in group if not row.errors]
    by_column = {column.key: column for column in cols}
    held = {
        code: (achievement_id, learner_id, id_number, real_name, obtained_on)
        for achievement_id, learner_id, code, obtained_on, id_number, real_name in cast(
            Iterable[tuple[int, int, str, Any, str, str]],
            LearnerAchievement.select(LearnerAchievement.id, LearnerAchievement.learner,
                                      LearnerAchievement.personal_code, LearnerAchievement.obtained_on,
                                      User.id_number, User.real_name)
            .join(User, on=(LearnerAchievement.learner == User.id))
            .where(LearnerAchievement.catalogue == catalogue_achievement.id,
                   LearnerAchievement.personal_code.in_([r.values["personal_code"] for r in candidates]))
            .tuples()
        )
    }
    results: dict[int, tuple[str, int | None]] = {}
    fresh: list[excel.Row] = []
    changed: list[excel.Row] = []
    for row in candidates:
        known = held.get(row.values["personal_code"])
        if known is None:
            fresh.append(row)
            continue
        achievement_id, _learner, id_number, real_name, obtained_on = known
        if id_number != row.values["id_number"]:
            excel.refuse(row, by_column["personal_code"], _("is already the number of another learner's achievement"))
        elif real_name != row.values["real_name"]:
            # The import's own answer: it must not tell which name an ID number is registered under.
            excel.refuse(row, by_column["real_name"], _("the name and the ID number do not match a learner account"))
        elif obtained_on != row.values["obtained_on"]:
            changed.append(row)
            results[row.number] = (UPDATED, achievement_id)
        else:
            results[row.number] = (UNCHANGED, achievement_id)
    redated = achievements.redate_holdings(
        [(results[row.number][1], row.values["id_number"], row.values["obtained_on"]) for row in changed])
    for row, refusals in zip(changed, redated, strict=True):
        if refusals:
            excel.refuse_for(row, refusals)
            del results[row.number]
    ctx = excel.ImportContext(user=user, institution_id=principal.institution_id, target=catalogue_achievement,
                              when=now())
    kind.check_existing(ctx, fresh)
    accepted = [row for row in fresh if not row.errors]
    if accepted:
        kind.insert(ctx, accepted)
        stored: dict[str, int] = dict(cast(
            Iterable[tuple[str, int]],
            LearnerAchievement.select(User.id_number, LearnerAchievement.id)
            .join(User, on=(LearnerAchievement.learner == User.id))
            .where(LearnerAchievement.catalogue == catalogue_achievement.id,
                   User.id_number.in_([row.values["id_number"] for row in accepted]))
            .tuples()
        ))
        for row in accepted:
            results[row.number] = (ACCEPTED, stored.get(row.values["id_number"]))
    return results
