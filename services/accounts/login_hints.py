"""What a failed login may say beyond 账号或密码错误, when the password itself proves the
person knows the account: the other identity (个人用户 / 机构用户) was chosen, or the
account's e-mail activation awaits the center's review."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from services.accounts import activation, users
from services.records.errors import Message


def login_hint(identifier: str | None, identity: str, password: str | None) -> Message | None:
    """Why a login failed, when the password itself proves the person may know it (so no
    account is revealed to anyone else): the account belongs to the other identity
    (个人用户 / 机构用户), or its e-mail activation awaits the center's review. None for the
    usual 账号或密码错误."""
    other = "institution" if identity != "institution" else "person"
    user = users.find_by_identifier(identifier, other)
    if users.password_opens(user, password):  # a dummy check when there is none: same time either way
        return (_l("This is an institution account: choose “Institution user” and log in again.") if other == "institution"
                else _l("This is a personal account: choose “Individual user” and log in again."))
    user = users.find_by_identifier(identifier, identity)
    if user is not None and activation.awaiting_review(user, password):
        return _l("Your account is under review by the credit bank center; you can log in once it is approved.")
    return None
