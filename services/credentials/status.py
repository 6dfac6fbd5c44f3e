"""Revocation of credentials through W3C Bitstring Status Lists, served at
``/credentials/status/<n>`` as signed credentials (JWT) and rebuilt from the current state
of the records at each request: nothing has to remember to flip a bit.

A bit is set while its record no longer stands: an achievement withdrawn by its storing
institution (已撤回), revoked with the conversion that granted it (已撤销), no longer
recognised, or deleted; a conversion that is no longer passed (the ledger revokes it when
its source falls: services/ledger/revocation.py).
Each downloaded record gets one random position in the list being filled, so the list
says nothing about the order of issuing; a list takes entries until half full.
"""
import datetime as dt
import secrets

from openbadgeslib.ob3 import build_status_list_credential
from openbadgeslib.ob3.status_list import DEFAULT_SIZE_BITS
from peewee import JOIN, IntegrityError, fn

from models import AchievementStatus, Application, ApplicationStatus, IssuedCredential, LearnerAchievement
from services.credentials import keys
from services.credentials.addresses import issuer_id, public_url
from services.database import transaction

ACHIEVEMENT, CONVERSION = "achievement", "conversion"
SIZE = DEFAULT_SIZE_BITS  # 131 072 entries, the specification's minimum (herd privacy)
FILL = SIZE // 2
STANDING = (AchievementStatus.CATALOGUE, AchievementStatus.RECOGNISED)
VALID_FOR = dt.timedelta(days=1)  # a served list is fresh for a day: an old copy cannot un-revoke for long


def list_url(number):
    return public_url("credentials.status_list", number=number)


def entry_for(subject_type, subject_id, learner_id):
    """The status-list position of a record, given on its first download."""
    match = (IssuedCredential.subject_type == subject_type) & (IssuedCredential.subject_id == subject_id)
    for _attempt in range(20):
        row = IssuedCredential.get_or_none(match)
        if row is not None:
            return row
        number = IssuedCredential.select().count() // FILL + 1
        try:
            with transaction():
                return IssuedCredential.create(subject_type=subject_type, subject_id=subject_id, learner=learner_id,
                                               status_list=number, status_index=secrets.randbelow(SIZE))
        except IntegrityError:
            continue  # the position was taken, or another request issued it first
    raise RuntimeError("no free status-list position")


def lists():
    """The numbers of the lists in use."""
    last = IssuedCredential.select(fn.MAX(IssuedCredential.status_list)).scalar()
    return range(1, (last or 0) + 1)


def revoked_indices(number):
    """The positions of list ``number`` whose record no longer stands (two queries)."""
    on_list = IssuedCredential.status_list == number
    achievements = (
        IssuedCredential.select(IssuedCredential.status_index)
        .join(LearnerAchievement, JOIN.LEFT_OUTER, on=(IssuedCredential.subject_id == LearnerAchievement.id))
        .where(on_list, IssuedCredential.subject_type == ACHIEVEMENT,
               LearnerAchievement.id.is_null() | LearnerAchievement.status.not_in(list(STANDING)))
    )
    conversions = (
        IssuedCredential.select(IssuedCredential.status_index)
        .join(Application, JOIN.LEFT_OUTER, on=(IssuedCredential.subject_id == Application.id))
        .where(on_list, IssuedCredential.subject_type == CONVERSION,
               Application.id.is_null() | (Application.status != ApplicationStatus.PASSED))
    )
    return {index for (index,) in achievements.tuples()} | {index for (index,) in conversions.tuples()}


def status_list_token(number):
    """List ``number`` as a signed BitstringStatusListCredential (compact JWT)."""
    url = list_url(number)
    issued = dt.datetime.now(dt.UTC).replace(microsecond=0)
    document = build_status_list_credential(issuer_id(), url, "revocation", revoked_indices(number), size_bits=SIZE,
                                            issued=issued, valid_until=issued + VALID_FOR)
    payload = {**document, "iss": document["issuer"], "jti": url, "nbf": int(issued.timestamp())}
    return keys.sign(payload)
