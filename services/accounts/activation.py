"""激活 by e-mail and the center's account review (manual 003, SPEC §5).

An imported learner with no bound phone cannot get an activation code. Instead they give
an e-mail address and choose a password; center staff check the request (审核通过 /
审核不通过 with a reason) and the account opens — or the person reads why not when they
come back to /activate, and may ask again. Like the workflow's transitions, each step is
one transaction with a conditional update on the expected state, an audit entry and the
notifications. E-mails leave through ``services.messaging.mail`` (the outbox and the job consumer),
and the same text goes to the learner's inbox.
"""
from __future__ import annotations

from typing import cast

from flask_babel import lazy_gettext as _l
from peewee import IntegrityError

from models import AccountStatus, ActivationRequest, ActivationStatus, Message, User, now
from services.accounts import permissions, users
from services.core import audit, transitions
from services.core.database import transaction
from services.messaging import mail
from services.messaging.notify import inbox_text, link_to
from services.records import validators
from services.records.errors import Message as Text

MAX_REASON = 500


class ActivationError(ValueError):
    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def can_use_email(user: User) -> bool:
    """The e-mail route is for imported learners who cannot receive an SMS code."""
    return permissions.is_learner(user) and user.status == AccountStatus.INACTIVE and not user.phone


def latest_request(user: User) -> ActivationRequest | None:
    return (
        ActivationRequest.select()
        .where(ActivationRequest.user == user.id)
        .order_by(ActivationRequest.submitted_at.desc(), ActivationRequest.id.desc())
        .first()
    )


def awaiting_review(user: User, password: str | None) -> bool:
    """The account's e-mail activation, with this password, waits for the center's review."""
    from werkzeug.security import check_password_hash

    latest = latest_request(user) if can_use_email(user) else None
    return (latest is not None and latest.status == ActivationStatus.PENDING
            and check_password_hash(latest.password_hash, password or ""))


def email_message(email: str, subject: Text, body: Text) -> None:
    mail.send(email, subject, body)


def request_activation(user: User, email: str | None, password: str | None) -> ActivationRequest:
    """File the request; raises ActivationError with the message to show."""
    email = (email or "").strip().lower()
    if not can_use_email(user):
        raise ActivationError(_l("This account cannot be activated by e-mail"))
    problem = validators.check_email(email) or validators.check_password(password)
    if problem:
        raise ActivationError(problem)
    taken_by_request = ActivationRequest.select().where(
        ActivationRequest.email == email, ActivationRequest.status == ActivationStatus.PENDING,
        ActivationRequest.user != user.id,
    ).exists()
    if users.email_taken(email, exclude_id=user.id) or taken_by_request:
        raise ActivationError(_l("This email is already registered"))
    try:
        with transaction():
            # check_password refused a missing password above
            request = ActivationRequest.create(user=user, email=email,
                                               password_hash=users.hash_password(cast(str, password)))
            audit.record("activation_requested", request, user=user, email=email)
            for staff in permissions.center_staff():
                Message.create(user=staff, title=str(_l("Account review")),
                               body=str(_l("%(name)s asks to activate an imported account by e-mail.",
                                           name=user.real_name)),
                               link=link_to("activation_requests.index_view"))
            acknowledge(email)
    except IntegrityError:  # the partial unique index: one pending request per account
        raise ActivationError(_l("Your activation request is already waiting for review")) from None
    return request


def acknowledge(email: str) -> None:
    """The one answer to an e-mail activation request, whether or not one was filed: it
    names nobody, so it does not tell the address which ID numbers have accounts."""
    email_message(email, _l("Activation request received"), _l(
        "[Credit Bank] We received an activation request giving this e-mail address. If its ID number belongs "
        "to an imported account waiting for activation without a bound mobile phone, the management center "
        "reviews it within 1-2 working days and tells the result at this address."))


def request_by_email(user: User | None, email: str | None, password: str | None) -> ActivationRequest | None:
    """/activate/email: file the request when ``user`` (the account of the ID number typed,
    or None) may use this route. Everything else is answered alike — the same page, the
    same work (a password hash), the same e-mail — except an address already in use,
    whose owner alone is told so."""
    email = (email or "").strip().lower()
    if user is not None and can_use_email(user):
        try:
            return request_activation(user, email, password)
        except ActivationError:
            pass  # a request already waits, or the address is in use: told below
    users.hash_password(password or "")
    if users.email_taken(email, exclude_id=user.id if user else None):
        email_message(email, _l("Activation request not filed"), _l(
            "[Credit Bank] An activation request gave this e-mail address, which already belongs to an account; "
            "no request was filed with it. If it was you, log in with that account or give another address."))
    else:
        acknowledge(email)
    return None


def decide(request: ActivationRequest, reviewer: User, approve: bool, reason: str | None = "") -> ActivationRequest:
    """审核通过 activates the account with the chosen password and e-mail; 审核不通过 needs a
    reason. Of two staff deciding at once exactly one wins."""
    reason = (reason or "").strip()
    if not permissions.allowed(reviewer, {permissions.CENTER}):
        raise ActivationError(_l("You may not review account requests"))
    if not approve and not reason:
        raise ActivationError(_l("Please enter the reason for not passing"))
    if len(reason) > MAX_REASON:
        raise ActivationError(_l("The reason may have at most 500 characters"))
    status = ActivationStatus.APPROVED if approve else ActivationStatus.REFUSED
    user = User.get_by_id(request.user_id)
    try:
        with transaction():
            transitions.move(
                request, status, changes={"reason": reason or None, "decided_at": now(), "decided_by": reviewer.id},
                refusal=_l("This request has already been reviewed by someone else"), error=ActivationError,
                audit="activation_approved" if approve else "activation_refused", user=reviewer, learner=user.id,
                reason=reason or None,
            )
            if approve:
                transitions.move(
                    user, AccountStatus.ACTIVE, expected=(AccountStatus.INACTIVE,),
                    changes={"email": request.email, "password_hash": request.password_hash,
                             "must_change_password": False},
                    refusal=_l("This account is already activated"), error=ActivationError,
                )
            _tell(user, request.email, approve, reason)
    except IntegrityError:  # another account took the address meanwhile
        raise ActivationError(_l("This email is already registered")) from None
    return request


def _tell(user: User, email: str, approve: bool, reason: str) -> None:
    if approve:
        title = _l("Account activated")
        body = _l("[Credit Bank] Your account has passed the account review and is activated. Log in with your "
                  "ID number or this e-mail address and the password you chose.")
    else:
        title = _l("Account review not passed")
        body = _l("[Credit Bank] Your activation request did not pass the account review. Reason: %(reason)s. "
                  "You may correct it and apply again at the activation page.", reason=reason)
    Message.create(user=user, title=str(title), body=inbox_text(str(body)), link=link_to("learner.home") if approve else None)
    email_message(email, title, body)
