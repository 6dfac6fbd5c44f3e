"""Learner accounts kept by institutions and the center (学员账户管理, seed 004 §2.2.4): the one
writer of 未激活 learner rows. 增加新学员 and 学员账户导入 create them from a name and an ID
number; 修改 and 删除 only while 未激活, and 删除 only while the learner holds nothing."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from peewee import IntegrityError

from models import AccountStatus, LearnerAchievement, User
from services.accounts import users
from services.core import audit, bulk
from services.core.database import transaction
from services.records.checks import REQUIRED, present
from services.records.errors import Message, Refusal, Refused, refuse_if
from services.records.validators import check_id_number, mask_id

NAME = _l("Learner name")
ID_NUMBER = _l("ID number")
REGISTERED = _l("is already registered")
ONLY_INACTIVE = _l("only accounts that are not activated can be deleted")
HOLDS = _l("the learner holds achievements")
NOT_EDITABLE = _l("Only accounts that are not activated can be modified.")


# The contact columns a 学员账户 import may fill, each unique among accounts.
UNIQUE = {"id_number": (ID_NUMBER, REGISTERED), "phone": (_l("Mobile"), _l("is already bound to another account")),
          "email": (_l("Email"), _l("is already bound to another account"))}


def check_new(items: Sequence[dict[str, Any]]) -> list[list[Refusal]]:
    """The refusals of each new account ``items`` (dicts: real_name, id_number and optional
    phone, email…) would make, in one query per unique column: a list per item."""
    refusals: list[list[Refusal]] = [[] for _ in items]
    for key, (label, problem) in UNIQUE.items():
        taken = bulk.existing_values(getattr(User, key), (item.get(key) for item in items))
        for found, item in zip(refusals, items, strict=True):
            if item.get(key) and item[key] in taken:
                found.append(Refusal(problem, key, label, code="registered"))
    return refusals


def insert_new(items: Iterable[dict[str, Any]], institution_id: int | None, when: dt.datetime) -> None:
    """Many 未激活 accounts at once (学员账户导入), checked by ``check_new``."""
    users.insert_inactive_learners(items, institution_id, when)


def _refusals(real_name: str | None, id_number: str | None, exclude_id: int | None = None) -> list[Refusal]:
    refusals: list[Refusal] = []
    if not present(real_name):
        refusals.append(Refusal(REQUIRED, "real_name", NAME, code="required"))
    elif len(cast(str, real_name).strip()) > 50:  # present: a string
        refusals.append(Refusal(_l("may have at most %(count)s characters", count=50), "real_name", NAME))
    if not present(id_number):
        refusals.append(Refusal(REQUIRED, "id_number", ID_NUMBER, code="required"))
    elif (problem := check_id_number(id_number)) is not None:
        refusals.append(Refusal(problem, "id_number", ID_NUMBER))
    else:
        taken = User.select().where(User.id_number == id_number)
        if exclude_id is not None:
            taken = taken.where(User.id != exclude_id)
        if taken.exists():
            refusals.append(Refusal(REGISTERED, "id_number", ID_NUMBER, code="registered"))
    return refusals


def add_inactive(user: User, real_name: str, id_number: str) -> User:
    """增加新学员: a 未激活 learner added by ``user``'s institution (the center: none)."""
    refuse_if(_refusals(real_name, id_number))
    try:
        with transaction():
            learner = users.create_inactive_learner(id_number, real_name.strip(), user.institution_id)
            audit.record("learner_account_created", learner, user=user)
    except IntegrityError:  # registered at the same moment
        raise Refused(Refusal(REGISTERED, "id_number", ID_NUMBER, code="registered")) from None
    return learner


def modify_inactive(user: User, learner: User, real_name: str, id_number: str) -> User:
    """修改 of a 未激活 learner's name and ID number (an activated learner keeps their own)."""
    if learner.status != AccountStatus.INACTIVE:
        raise Refused(NOT_EDITABLE)
    refuse_if(_refusals(real_name, id_number, exclude_id=learner.id))
    changes = {"real_name": real_name.strip(), **users.from_id_number(id_number)}
    with transaction():
        User.update(changes).where(User.id == learner.id, User.status == AccountStatus.INACTIVE).execute()
        audit.record("learner_account_changed", learner, user=user)
    return User.get_by_id(learner.id)


def deletable(learner: User, holds: bool | None = None) -> Message | None:
    """Why ``learner`` cannot be deleted, or None. ``holds``: whether they hold achievements,
    when the caller knows it for a whole page."""
    if learner.status != AccountStatus.INACTIVE:
        return ONLY_INACTIVE
    if holds is None:
        holds = LearnerAchievement.select().where(LearnerAchievement.learner == learner.id).exists()
    return HOLDS if holds else None


def delete_inactive(user: User, learner: User) -> None:
    problem = deletable(learner)
    if problem:
        raise Refused(problem)
    with transaction():
        learner.delete_instance()
        audit.record("learner_account_deleted", learner, user=user, id_number=mask_id(learner.id_number))
