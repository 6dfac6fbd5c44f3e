"""Institution registrations decided by the center (SPEC §5, 004 §1.1): 审核通过 opens the
institution's space, 不通过 sends the registrant back with the reason."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from models import Institution, InstitutionStatus, User, now
from services.accounts import permissions
from services.core import transitions
from services.core.database import transaction
from services.messaging.notify import link_to, notify
from services.records.errors import Message, Refused, reason_of, require


def _registrant(institution: Institution) -> User | None:
    """The account created by the registration (the institution's main account)."""
    return permissions.institution_accounts(institution.id).first()


def _decide_registration(institution: Institution, user: User, status: str, reason: str | None, title: Message,
                         text: Message) -> Institution:
    require(permissions.is_center(user), _l("Only the credit bank center reviews institution registrations"))
    with transaction():
        current = Institution.get_by_id(institution.id)
        draft = dict(current.registration_draft or {})
        draft["review"] = {"status": status, "reason": reason, "at": now().isoformat(sep=" ")}
        transitions.move(
            institution, status, expected=(InstitutionStatus.PENDING,), changes={"registration_draft": draft},
            refusal=_l("This registration has already been reviewed or is not awaiting review"), error=Refused,
            audit=f"institution_{'approved' if status == InstitutionStatus.ACTIVE else 'refused'}", user=user,
            name=institution.name, reason=reason,
        )
        registrant = _registrant(institution)
        if registrant is not None:
            notify(registrant, title, text, link=link_to("admin.index"), by_sms=bool(registrant.phone))
    return institution


def approve_institution(institution: Institution, user: User) -> Institution:
    """审核通过 of a submitted institution registration: the space opens."""
    return _decide_registration(
        institution, user, InstitutionStatus.ACTIVE, None, _l("Institution registration approved"),
        _l("[Credit Bank] The registration of %(name)s has been approved; you can now log in to the institution "
           "space.", name=institution.name),
    )


def refuse_institution(institution: Institution, user: User, reason: str | None) -> Institution:
    """不通过, with the reason the registrant reads (SMS and at login) before correcting it."""
    reason = reason_of(reason, _l("Please enter the reason for not passing"))
    return _decide_registration(
        institution, user, InstitutionStatus.REFUSED, reason, _l("Institution registration not approved"),
        _l("[Credit Bank] The registration of %(name)s was not approved. Reason: %(reason)s. Please log in, "
           "correct the information and submit it again.", name=institution.name, reason=reason),
    )
