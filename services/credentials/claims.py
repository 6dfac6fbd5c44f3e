"""What a verifiable credential says, and its signing.

A credential names the learner by name and by an opaque identifier of this platform
(``credentialSubject.id``, the JWT's ``sub``): a keyed hash of the account, never of the ID
number, so nothing in the file leads back to the number — not even by trying every number
the masked one allows. It states the achievement with its type, credits, level and issuing
body (one name per body: the institution's own name, or the body named on the catalogue
achievement under an id of that name); the award date, which is also ``validFrom`` and
``nbf``; and the platform as issuer, whose profile is at ``/credentials/issuer``. Its
``credentialStatus`` points at a bit of the revocation status list
(services.credentials.status). The JWT follows Open Badges 3.0 §8.2: ``typ`` JWT, ``kid`` a
URL answering with the key, ``iss``, ``sub``, ``nbf`` and ``jti`` from the credential. Texts
are in the platform's default language, whoever downloads: a credential says the
same thing to every reader.
"""
import base64
import datetime as dt
import hashlib
import hmac

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from openbadgeslib.ob3 import (
    Achievement,
    Alignment,
    Evidence,
    IdentityObject,
    Issuer,
    OpenBadgeCredential,
    status_entry,
)

from models import (
    ApplicationKind,
    CatalogueAchievement,
    CategoryKind,
    FrameworkLevel,
    Institution,
    Level,
    RuleTarget,
    User,
)
from services.core import audit
from services.credentials import keys, status
from services.credentials.addresses import base_url, issuer_id, public_url
from services.ledger.certificate import certificate_facts

ACHIEVEMENT, CONVERSION = status.ACHIEVEMENT, status.CONVERSION
# OB 3.0 AchievementType of a degree by its level; other kinds below.
DEGREE_TYPES = {
    Level.ASSOCIATE: "AssociateDegree",
    Level.BACHELOR: "BachelorDegree",
    Level.MASTER: "MasterDegree",
    Level.DOCTOR: "DoctoralDegree",
}
KIND_TYPES = {CategoryKind.DEGREE: "Diploma", CategoryKind.NON_DEGREE: "Certificate", CategoryKind.INFORMAL: "Achievement"}


def issuer_profile():
    return Issuer(id=issuer_id(), name=_("Guangdong Lifelong Education Credit Bank"), url=base_url() + "/")


def subject_id(learner):
    """The learner's opaque identifier in credentials: HMAC-SHA256 of the account id under
    a key derived from SECRET_KEY. The same for every credential of one learner; without
    SECRET_KEY nobody can tell whose it is, and the ID number is not in it at all."""
    from services.credentials.keys import derived_key

    digest = hmac.new(derived_key(b"creditbank credential subjects"), f"learner:{learner.id}".encode(),
                      hashlib.sha256).digest()
    return "urn:creditbank:learner:" + base64.b32encode(digest[:20]).decode().lower()


def _identifiers(learner):
    return [IdentityObject(identity_hash=learner.real_name, identity_type="name", hashed=False)]


def _profile(kind, key, name):
    return {"id": f"urn:creditbank:{kind}:{key}", "type": ["Profile"], "name": name}


def _institution_profile(institution_id):
    """An institution under its own name, in every credential that names it."""
    institution = Institution.get_or_none(Institution.id == institution_id)
    return _profile("institution", institution_id, institution.name) if institution else None


def _body_profile(name):
    """An issuing body known only by the name a catalogue achievement gives: its id is made
    from that name, so one id never carries two names."""
    key = hashlib.sha256(name.encode()).hexdigest()[:16]
    return _profile("issuing-body", key, name)


def _framework_alignment(level_id):
    level = FrameworkLevel.get_or_none(FrameworkLevel.id == level_id) if level_id else None
    if level is None:
        return []
    return [Alignment(target_name=level.name, target_url=public_url("content.framework"),
                      target_framework=_("Guangdong Lifelong Education Qualifications Framework level standards"),
                      target_code=str(level.level))]


def _achievement_of(item):
    """The OB 3.0 Achievement of a learner achievement, and its issuing body."""
    catalogue = item.catalogue if item.catalogue_id else None
    level = catalogue.level if catalogue else None
    kind = item.category.kind
    credits = float(catalogue.credits) if catalogue and catalogue.credits is not None else None
    tags = [item.category.name] + ([str(Level.label(level))] if level else [])
    achievement = Achievement(
        id=f"urn:creditbank:catalogue:{catalogue.id}" if catalogue else f"urn:creditbank:achievement:{item.id}",
        name=item.name,
        description=(catalogue.intro if catalogue and catalogue.intro else item.description) or item.category.name,
        criteria_narrative=_("Recognised by the credit bank as a learning achievement of the holder."),
        tags=tags,
        achievement_type=(DEGREE_TYPES.get(level) if kind == CategoryKind.DEGREE else None) or KIND_TYPES.get(kind),
        credits_available=credits,
        alignments=_framework_alignment(catalogue.framework_level_id if catalogue else None),
    )
    return achievement, credits, _creator(catalogue, item)


def _creator(catalogue, item):
    if catalogue is None:
        body = (item.source_institution_name or "").strip()
        return _body_profile(body) if body else None
    institution = _institution_profile(catalogue.institution_id)
    body = (catalogue.issuing_body or "").strip()
    if not body or (institution and body == institution["name"]):
        return institution
    return _body_profile(body)


def _sign(subject_type, subject, learner, achievement, credits, creator, awarded, evidence=()):
    entry = status.entry_for(subject_type, subject.id, learner.id)
    # The start of the award day where the platform is (never later than now).
    issued = min(dt.datetime.combine(awarded, dt.time()).astimezone(), dt.datetime.now(dt.UTC))
    credential = OpenBadgeCredential(
        issuer=issuer_profile(),
        recipient_id=subject_id(learner),
        achievement=achievement,
        issuance_date=issued,  # validFrom and nbf: the award, not the download
        credits_earned=credits,
        identifiers=_identifiers(learner),
        evidence=list(evidence),
        credential_status=[status_entry(status.list_url(entry.status_list), "revocation", entry.status_index)],
    )
    payload = credential.to_jwt_payload()
    if creator:
        payload["credentialSubject"]["achievement"]["creator"] = creator
    payload["awardedDate"] = payload["validFrom"]
    payload["inLanguage"] = current_app.config["BABEL_DEFAULT_LOCALE"].replace("_", "-")
    token = keys.sign(payload, typ="JWT")
    audit.record("credential_issued", subject, credential=credential.id)
    return token


def achievement_credential(item):
    """The signed credential (compact JWT) of a recognised learner achievement."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        achievement, credits, creator = _achievement_of(item)
        learner = User.get_by_id(item.learner_id)
        awarded = item.obtained_on or item.updated_at.date()
        return _sign(ACHIEVEMENT, item, learner, achievement, credits, creator, awarded)


def _target_credits(application):
    if application.kind == ApplicationKind.PERFORMANCE:
        catalogue_achievements = CatalogueAchievement.select().where(CatalogueAchievement.id == application.target_id)
    else:
        catalogue_achievements = (CatalogueAchievement.select(CatalogueAchievement).join(RuleTarget)
                                  .where(RuleTarget.rule == application.rule_id))
    values = [e.credits for e in catalogue_achievements if e.credits is not None]
    return float(sum(values)) if values else None


def conversion_credential(application):
    """The signed credential of a passed conversion: the conversion certificate's facts."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        facts = certificate_facts(application)
        targets = "；".join(f"{name}（{institution}）{modules}".strip() for name, institution, modules in facts["targets"])
        source = f"{facts['source_name']}（{facts['source_institution']}）"
        rule = f"{facts['rule_code']} {facts['rule_name']}".strip()
        credits = _target_credits(application)
        achievement = Achievement(
            id=f"urn:creditbank:rule:{application.rule_id}" if application.rule_id
            else f"urn:creditbank:catalogue:{application.target_id}",
            name=_("Conversion certificate") + "：" + "；".join(name for name, _i, _m in facts["targets"]),
            description=_("%(source)s converted into %(targets)s", source=source, targets=targets)
            + (f"（{_('Rule code')} {rule}）" if rule else ""),
            criteria_narrative=_("Converted through the credit bank under its published conversion rules."),
            tags=[str(ApplicationKind.label(application.kind))],
            achievement_type="Certificate",
            credits_available=credits,
        )
        creator = _institution_profile(application.rule.institution_id) if application.rule_id else None
        evidence = []
        if facts["code"]:
            evidence.append(Evidence(id=public_url("portal.verify", code=facts["code"]), name=_("Conversion certificate"),
                                     narrative=_("Verification code") + "：" + facts["code"]))
        learner = User.get_by_id(application.learner_id)
        awarded = (application.decided_at or application.submitted_at).date()
        return _sign(CONVERSION, application, learner, achievement, credits, creator, awarded, evidence)
