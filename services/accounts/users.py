"""Accounts: password hashing and policy, login lookup, account creation."""
from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any, cast

from flask import current_app
from flask_babel import lazy_gettext as _l
from peewee import Expression, Field, IntegrityError, fn
from werkzeug.security import check_password_hash, generate_password_hash

from models import (
    INSTITUTION_ROLES,
    AccountStatus,
    Institution,
    InstitutionKind,
    InstitutionStatus,
    Role,
    User,
    db,
    now,
)
from services.accounts import permissions
from services.core import audit, bulk
from services.records import validators

# 个人用户 and 机构用户 on the login page: which roles each identity covers.
IDENTITIES = {
    "person": {Role.LEARNER, Role.CENTER, Role.REVIEWER, Role.COMMITTEE},
    "institution": set(INSTITUTION_ROLES),
}


class AccountError(ValueError):
    pass


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def set_password(user: User, password: str, *, forced_change_done: bool = True) -> None:
    message = validators.check_password(password)
    if message:
        raise AccountError(message)
    user.password_hash = hash_password(password)
    if forced_change_done:
        user.must_change_password = False
    user.save()


def verify_password(user: User, password: str | None) -> bool:
    return bool(user.password_hash) and check_password_hash(cast(str, user.password_hash), password or "")


_dummy_hashes: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash of a random password with the configured method, made once per process:
    checking a password against it costs what checking a real one costs."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _dummy_hashes[method]


def password_opens(user: User | None, password: str | None) -> bool:
    """Whether ``password`` opens ``user`` (None for an unknown account); takes the same
    time either way, so the answer's timing does not tell which accounts exist."""
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password or "")
        return False
    return check_password_hash(user.password_hash, password or "")


def same_text(field: Field[Any], value: str) -> Expression:
    """``field`` equals ``value`` whatever the case; served by the lower() unique indexes."""
    return fn.LOWER(field) == fn.LOWER(value)


def _taken(field: Field[Any], value: str | None, exclude_id: int | None = None) -> bool:
    value = (value or "").strip()
    if not value:
        return False
    query = User.select().where(same_text(field, value))
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    return query.exists()


def username_taken(username: str | None, exclude_id: int | None = None) -> bool:
    """Usernames are unique case-insensitively ("LEARNER" is "learner")."""
    return _taken(User.username, username, exclude_id)


def email_taken(email: str | None, exclude_id: int | None = None) -> bool:
    return _taken(User.email, email, exclude_id)


def find_by_identifier(identifier: str | None, identity: str = "person") -> User | None:
    """One box accepts 用户名 / 手机号 / 邮箱 / 证件号码 (SPEC §5); names and addresses
    in any case."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    roles = IDENTITIES.get(identity, IDENTITIES["person"])
    id_value = identifier.upper()
    return (
        User.select()
        .where(
            permissions.accounts_of(*roles),
            same_text(User.username, identifier)
            | (User.phone == identifier)
            | same_text(User.email, identifier)
            | (User.id_number == id_value),
        )
        .first()
    )


def authenticate(user: User | None, password: str | None, password_ok: bool | None = None) -> User:
    """Return ``user`` (found by ``find_by_identifier``, may be None) when the password
    opens it, or raise AccountError with the message to show. ``password_ok`` is the
    answer of ``password_opens`` when the caller already asked it."""
    if password_ok is None:
        password_ok = password_opens(user, password)
    if not password_ok:
        raise AccountError(_l("Account or password is wrong"))
    user = cast(User, user)  # the password opened it: an account
    if user.status == AccountStatus.DISABLED:
        raise AccountError(_l("This account has been disabled"))
    if user.status == AccountStatus.INACTIVE:
        raise AccountError(_l("This account is not activated yet; please activate it first"))
    if permissions.is_institution_user(user) and cast(Institution, user.institution).status == InstitutionStatus.PENDING:
        raise AccountError(_l("The registration of your institution is awaiting review by the credit bank center; "
                              "you can log in once it is approved."))
    User.update(last_login_at=now()).where(User.id == user.id).execute()
    return user


def change_password(user: User, old_password: str | None, new_password: str) -> None:
    if not verify_password(user, old_password):
        raise AccountError(_l("The current password is wrong"))
    if old_password == new_password:
        raise AccountError(_l("The new password must differ from the current one"))
    set_password(user, new_password)
    audit.record("password_changed", user, user=user)


def create_user(role: str, username: str, real_name: str, password: str | None = None, phone: str | None = None,
                institution_name: str | None = None, **fields: Any) -> User:
    """Create an account; ``password=None`` leaves it without one and forces a choice at
    first login (staff get a link to set it by SMS instead, never a password)."""
    institution = None
    if institution_name:
        institution = Institution.get_or_none(Institution.name == institution_name)
        if institution is None:
            raise AccountError(f"no institution named {institution_name!r}")
    if username_taken(username):
        raise AccountError(_l("This username is already taken"))
    if fields.get("email"):
        fields["email"] = fields["email"].strip().lower()
    if permissions.is_learner(role) and institution is not None:
        # A learner belongs to a teaching point (where their applications are reviewed),
        # never to an institution as its staff do.
        if institution.kind != InstitutionKind.TEACHING_POINT:
            raise AccountError(f"a learner's --institution must name a teaching point, not {institution_name!r}")
        fields["teaching_point"], institution = institution, None
    user = User(role=role, username=username, real_name=real_name, phone=phone, institution=institution, **fields)
    if permissions.is_reviewer(role) and institution is None:
        raise AccountError("a reviewer needs --institution (their teaching point)")
    if permissions.is_institution_user(role) and institution is None:
        raise AccountError("an institution user needs --institution")
    if password is not None:
        message = validators.check_password(password)
        if message:
            raise AccountError(str(message))
        user.password_hash = hash_password(password)
    else:
        user.must_change_password = True
    try:
        with db.atomic():
            user.save()
    except IntegrityError:
        raise AccountError(_l("Username, phone, email or ID number is already registered")) from None
    return user


# --- 未激活 learners added from an ID number --------------------------------------------
# The one home of "a learner an institution or the center adds by ID number": 新增学员 and
# 增加新学员 (one at a time), 学员账户导入 and 学员成果导入 (many at once), the demo data.
# Such a learner has no password and no username until they activate (SPEC §5).


def from_id_number(id_number: str) -> dict[str, Any]:
    """The columns an ID number decides: itself, the holder's gender and birth date."""
    return {
        "id_number": id_number,
        "gender": validators.id_gender(id_number),
        "birth_date": validators.id_birth_date(id_number),
    }


def inactive_learner_columns(added_by: int | None) -> dict[str, Any]:
    """What every 未激活 learner added from an ID number shares; ``added_by`` is the
    institution's id (None when the center adds them)."""
    return {"role": Role.LEARNER, "status": AccountStatus.INACTIVE, "added_by_institution": added_by}


def create_inactive_learner(id_number: str, real_name: str, added_by: int | None, **fields: Any) -> User:
    """One new 未激活 learner for ``id_number`` (the caller checked it is not registered)."""
    return User.create(real_name=real_name, **from_id_number(id_number), **inactive_learner_columns(added_by), **fields)


def insert_inactive_learners(rows: Iterable[dict[str, Any]], added_by: int | None, when: dt.datetime) -> None:
    """Many new 未激活 learners at once (an import): ``rows`` are dicts with the same keys,
    ``id_number`` and ``real_name`` among them, inserted in bulk with ``created_at=when``."""
    bulk.insert_chunked(
        User,
        ({**row, **from_id_number(row["id_number"])} for row in rows),
        created_at=when,
        **inactive_learner_columns(added_by),
    )


# --- accounts written by the screens (the one writer of User rows besides the above) ----------


def register_learner(password: str, **fields: Any) -> User:
    """个人注册: an active learner account (the caller holds the transaction with the code)."""
    user = User(role=Role.LEARNER, status=AccountStatus.ACTIVE, password_hash=hash_password(password), **fields)
    user.save()
    return user


def open_registrant_account(college: Institution, username: str, phone: str, password: str) -> User:
    """The account an institution's self-registration creates (its main account)."""
    user = User(role=Role.INSTITUTION, username=username, real_name=college.name, phone=phone, institution=college,
                password_hash=hash_password(password))
    user.save()
    return user


def set_real_name(user: User, real_name: str) -> None:
    User.update(real_name=real_name.strip()).where(User.id == user.id).execute()


def change_phone(user: User, phone: str) -> None:
    """更换绑定手机 (the caller checked the password and the code); IntegrityError when the
    number is bound to another account meanwhile."""
    with db.atomic():
        User.update(phone=phone).where(User.id == user.id).execute()
        audit.record("phone_changed", user, user=user, old=validators.mask_phone(user.phone),
                     new=validators.mask_phone(phone))


def require_new_password(user: User) -> None:
    """A reset, or a new account's link (services.accounts.password_links): the password in place
    stops opening the account (an unusable random one replaces it) and a new one must be chosen."""
    User.update(password_hash=hash_password(secrets.token_urlsafe(32)), must_change_password=True).where(
        User.id == user.id).execute()


def create_staff(role: str, username: str, real_name: str, phone: str, institution_id: int | None = None,
                 department: str | None = None) -> User:
    """A center, reviewer or committee account, without a password: a link to set it follows."""
    user = User.create(role=role, username=username.strip(), real_name=real_name.strip(), phone=phone.strip(),
                       institution=institution_id if permissions.is_reviewer(role) else None,
                       department=(department or "").strip() or None, must_change_password=True)
    audit.record("staff_created", user, username=user.username, role=role)
    return user


def update_staff(user: User, real_name: str, phone: str, institution_id: int | None = None,
                 department: str | None = None) -> None:
    """修改 of a staff account; IntegrityError when the phone is taken meanwhile."""
    fields = {"real_name": real_name.strip(), "phone": phone.strip(),
              "institution": institution_id if permissions.is_reviewer(user) else None,
              "department": (department or "").strip() or None}
    before = {"real_name": user.real_name, "phone": user.phone, "institution": user.institution_id,
              "department": user.department}
    with db.atomic():
        User.update(**fields).where(User.id == user.id).execute()
        audit.record("staff_changed", user, username=user.username,
                     changed=sorted(k for k, v in fields.items() if before[k] != v))


def create_institution_account(institution: Institution, username: str, phone: str) -> User:
    """An institution's main account opened by the center (a link to set its password follows)."""
    user = User.create(role=Role.INSTITUTION, username=username.strip(),
                       real_name=institution.contact_name or institution.name, phone=phone.strip(),
                       institution=institution, must_change_password=True)
    audit.record("institution_account_created", user, username=user.username, institution=institution.id)
    return user


def save_subuser(institution_id: int, user: User | None, username: str, real_name: str, phone: str,
                 menus: Iterable[str] | None) -> User:
    """用户管理 新增 / 修改 of a sub-user with its menus; ``user`` None creates one."""
    from models import UserPermission

    created = user is None
    with db.atomic():
        if user is None:  # created
            user = User(role=Role.SUBUSER, institution=institution_id, username=username, real_name=real_name,
                        phone=phone, status=AccountStatus.ACTIVE)
            user.save()
        else:
            User.update(username=username, real_name=real_name, phone=phone).where(User.id == user.id).execute()
        UserPermission.delete().where(UserPermission.user == user.id).execute()
        for code in menus or []:
            UserPermission.create(user=user.id, permission=code)
        audit.record("subuser_created" if created else "subuser_changed", user, permissions=list(menus or []))
    return user


def delete_subuser(user: User) -> None:
    with db.atomic():
        user.delete_instance()
        audit.record("subuser_deleted", user, username=user.username)
