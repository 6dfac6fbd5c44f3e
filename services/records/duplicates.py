"""Duplicate certificates: the same certificate number of the same
catalogue achievement held by two people, or stored twice by institutions.

How it stays cheap at a million rows: every learner achievement of a catalogue achievement
keeps its number normalised in ``certificate_key`` (个人成果编号, else the 证书编号 / 电子注册号 field of
its form), indexed with the catalogue achievement as (catalogue, certificate_key). When rows
are written (added by a learner, stored by an institution, imported in bulk, edited,
deleted), ``refresh`` recomputes ``duplicate_of`` for just the (catalogue achievement,
number) groups touched — index look-ups — to the id of the group's earliest row, NULL on
that row itself. The center's list is then the rows with ``duplicate_of`` set (its own
index), each shown with the record it duplicates: no GROUP BY over the table when a page is
viewed.
(A learner holds a catalogue achievement once — unique (learner, catalogue) — so two rows of
a group are always two accounts: two people, or one person stored twice under two accounts.)
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from peewee import JOIN

from models import Institution, LearnerAchievement, User, db

CHUNK = 500
# Numbers written as nothing but these are placeholders, not certificate numbers.
PLACEHOLDERS = frozenset({"", "-", "无", "NONE", "N/A", "/"})


def certificate_key(personal_code: str | None, fields: Mapping[str, Any] | None = None) -> str | None:
    """The number a row is compared by: stripped, upper case, half-width; None if none."""
    raw = personal_code or (fields or {}).get("certificate_no")
    if raw is None:
        return None
    text = unicodedata.normalize("NFKC", str(raw)).strip().upper()[:100]
    return None if text in PLACEHOLDERS else text


def refresh(catalogue_id: int | None, keys: Iterable[str | None]) -> None:
    """Recompute ``duplicate_of`` of every row of the catalogue achievement whose number is in ``keys``."""
    wanted = sorted({k for k in keys if k})
    if catalogue_id is None or not wanted:
        return
    param = db.param
    for start in range(0, len(wanted), CHUNK):
        part = wanted[start:start + CHUNK]
        marks = ",".join([param] * len(part))
        db.execute_sql(
            "UPDATE learner_achievement SET duplicate_of = ("
            " SELECT MIN(earlier.id) FROM learner_achievement earlier"
            " WHERE earlier.catalogue_id = learner_achievement.catalogue_id"
            " AND earlier.certificate_key = learner_achievement.certificate_key"
            " AND earlier.id < learner_achievement.id)"
            f" WHERE catalogue_id = {param} AND certificate_key IN ({marks})",
            [catalogue_id, *part],
        )


def note(achievement: LearnerAchievement, previous_key: str | None = None) -> str | None:
    """After one row was added or edited: store its number and refresh its group (and the
    group it left). Returns the row's key."""
    key = certificate_key(achievement.personal_code, achievement.fields)
    if achievement.catalogue_id is None:
        key = None
    LearnerAchievement.update(certificate_key=key).where(LearnerAchievement.id == achievement.id).execute()
    achievement.certificate_key = key
    refresh(achievement.catalogue_id, [key, previous_key])
    return key


def refresh_all() -> None:
    """Every row's number and flag from scratch (demo data, and a repair after hand edits)."""
    rows = LearnerAchievement.select(
        LearnerAchievement.id, LearnerAchievement.catalogue, LearnerAchievement.personal_code,
        LearnerAchievement.fields,
    ).where(LearnerAchievement.catalogue.is_null(False))
    groups: dict[int | None, set[str]] = {}  # rows of a catalogue achievement: never None
    for row in rows:
        key = certificate_key(row.personal_code, row.fields)
        LearnerAchievement.update(certificate_key=key).where(LearnerAchievement.id == row.id).execute()
        if key:
            groups.setdefault(row.catalogue_id, set()).add(key)
    for catalogue_id, keys in groups.items():
        refresh(catalogue_id, keys)


def others(achievement: LearnerAchievement) -> list[LearnerAchievement]:
    """The other rows with the same catalogue achievement and number (the reviewer's warning),
    with their learner and storing institution; [] when there are none."""
    if not achievement.catalogue_id or not getattr(achievement, "certificate_key", None):
        return []
    return list(
        LearnerAchievement.select(LearnerAchievement, User, Institution)
        .join(User, on=(LearnerAchievement.learner == User.id))
        .switch(LearnerAchievement)
        .join(Institution, JOIN.LEFT_OUTER, on=(LearnerAchievement.stored_by == Institution.id))
        .where(LearnerAchievement.catalogue == achievement.catalogue_id,
               LearnerAchievement.certificate_key == achievement.certificate_key,
               LearnerAchievement.id != achievement.id)
        .order_by(LearnerAchievement.id)
    )
