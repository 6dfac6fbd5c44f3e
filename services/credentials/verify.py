"""Checking a credential someone brings to /verify: a file or pasted text holding a
compact JWT (as downloaded), or JSON carrying one.

In order: the key it names (``kid``) must be one of ours (the JWK set); the signature must
match under that key (so nothing altered passes, and a forged credential is never called
merely expired); openbadgeslib then checks the Open Badges 3.0 structure, the registered
claims and the validity window; the issuer must be this platform; and the bit of its
revocation status list must be clear, read from the list as it is published.
"""
import datetime as dt
import json
import re
from dataclasses import dataclass, field

import jwt
from flask_babel import lazy_gettext as _l
from openbadgeslib.keys import key_to_pem
from openbadgeslib.ob3 import (
    OB3VerificationError,
    OB3Verifier,
    check_credential_status,
    decode_encoded_list,
    set_indices,
)

from services.credentials import addresses, keys, status

# A credential is a few kilobytes; a 学习档案 presentation holds one per record (a heavy
# learner's, a thousand or more).
MAX_BYTES = 4 * 1024 * 1024
COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
JSON_KEYS = ("credential", "jwt", "vc", "token")

VALID, REVOKED, EXPIRED, INVALID = "valid", "revoked", "expired", "invalid"


class InputError(Exception):
    """What was brought is not a credential; ``str()`` is the message to show."""

    def __str__(self):
        return str(self.args[0])


@dataclass
class Outcome:
    state: str
    message: str
    detail: str = ""
    facts: dict = field(default_factory=dict)


def read_token(upload=None, text=None):
    """The compact JWT in an uploaded file or pasted text; InputError otherwise."""
    if upload is not None and getattr(upload, "filename", ""):
        data = upload.stream.read(MAX_BYTES + 1)
    elif text and text.strip():
        data = text.encode("utf-8")
    else:
        raise InputError(_l("Choose a credential file or paste the credential."))
    if len(data) > MAX_BYTES:
        raise InputError(_l("This file is too large for a credential or a presentation (at most 4 MB)."))
    try:
        raw = data.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise InputError(_l("This is not a credential: the file is not text.")) from None
    if raw.startswith(("{", "[")):
        raw = _token_in_json(raw)
    if not COMPACT_JWS.match(raw):
        raise InputError(_l("This is not a credential: a credential is a JWT (three parts separated by dots)."))
    return raw


def _token_in_json(raw):
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):
        raise InputError(_l("This is not valid JSON.")) from None
    candidates = [document.get(key) for key in JSON_KEYS] if isinstance(document, dict) else []
    if isinstance(document, dict) and isinstance(document.get("proof"), dict):
        candidates.append(document["proof"].get("jwt"))
    for value in candidates:
        if isinstance(value, str):
            return value.strip()
    raise InputError(_l("This JSON holds no JWT credential; upload the .jwt file downloaded from the platform."))


def _expired(payload):
    now = dt.datetime.now(dt.UTC)
    exp = payload.get("exp")
    if isinstance(exp, int | float) and exp < now.timestamp():
        return True
    until = payload.get("validUntil")
    try:
        return isinstance(until, str) and dt.datetime.fromisoformat(until.replace("Z", "+00:00")) < now
    except ValueError:
        return False


def verify(token, served=None):
    """The verdict on a compact JWT, with what it states when its signature holds.
    ``served`` keeps the status lists fetched (a presentation's credentials share them)."""
    try:
        header = jwt.get_unverified_header(token)
    except (jwt.InvalidTokenError, ValueError, RecursionError):
        return Outcome(INVALID, _l("This is not a credential: it cannot be read as a JWT."))
    key = keys.public_key(header.get("kid"))
    if key is None:
        return Outcome(INVALID, _l("Not issued by this platform: the signing key is not one of ours."),
                       detail=f"kid: {header.get('kid')}")
    try:
        payload = jwt.decode(token, key, algorithms=[keys.ALGORITHM],
                             options={"verify_exp": False, "verify_nbf": False, "verify_aud": False})
    except jwt.InvalidSignatureError:
        return Outcome(INVALID, _l("The signature does not match: the credential has been altered."))
    except jwt.InvalidTokenError as error:
        return Outcome(INVALID, _l("This is not a credential: it cannot be read as a JWT."), detail=str(error))
    facts = _facts(payload, header)
    try:
        credential = OB3Verifier(pubkey_pem=key_to_pem(key)).verify(token)
    except OB3VerificationError as error:
        if _expired(payload):
            return Outcome(EXPIRED, _l("This credential has expired."), detail=str(error), facts=facts)
        return Outcome(INVALID, _l("This is not a valid Open Badges 3.0 credential."), detail=str(error))
    if credential.issuer.id != addresses.issuer_id():
        return Outcome(INVALID, _l("Not issued by this platform: the issuer is someone else."),
                       detail=credential.issuer.id)
    return _status_outcome(credential, facts, {} if served is None else served)


def _status_outcome(credential, facts, served):
    """Revocation, read from our published status list through openbadgeslib."""
    prefix = addresses.public_url("credentials.status_list", number=0)[:-1]

    def fetch(url):
        if url in served:
            return served[url].encode("ascii")
        number = url[len(prefix):] if url.startswith(prefix) else ""
        if not number.isdigit() or int(number) not in status.lists():
            raise ValueError(f"not a status list of this platform: {url}")
        served[url] = status.status_list_token(int(number))
        return served[url].encode("ascii")

    if not credential.credential_status:
        return Outcome(INVALID, _l("This credential names no status list, so its revocation cannot be checked."))
    signer = keys.public_key(keys.active_key().kid)
    try:
        check_credential_status(credential, download=fetch, verify_list=True, list_pubkey_pem=key_to_pem(signer))
    except OB3VerificationError as error:
        if _revoked_in(credential, served):
            return Outcome(REVOKED, _l("This credential has been revoked."), facts=facts)
        return Outcome(INVALID, _l("The revocation status of this credential cannot be checked."), detail=str(error))
    return Outcome(VALID, _l("This credential is valid: issued and signed by this platform, not revoked."),
                   facts=facts)


def _revoked_in(credential, served):
    for entry in credential.credential_status:
        token = served.get(entry.get("statusListCredential"))
        if token is None:
            continue
        subject = jwt.decode(token, options={"verify_signature": False})["credentialSubject"]
        index = str(entry.get("statusListIndex"))
        if index.isdigit() and int(index) in set_indices(decode_encoded_list(subject["encodedList"])):
            return True
    return False


def _facts(payload, header):
    """What the credential states, for the page (read from the signed payload)."""
    subject = payload.get("credentialSubject") if isinstance(payload.get("credentialSubject"), dict) else {}
    achievement = subject.get("achievement") if isinstance(subject.get("achievement"), dict) else {}
    names = [i.get("identityHash") for i in subject.get("identifier") or []
             if isinstance(i, dict) and i.get("identityType") == "name" and not i.get("hashed")]
    issuer = payload.get("issuer") if isinstance(payload.get("issuer"), dict) else {}
    creator = achievement.get("creator") if isinstance(achievement.get("creator"), dict) else {}
    alignment = [a.get("targetName") for a in achievement.get("alignment") or [] if isinstance(a, dict)]
    return {
        "learner": names[0] if names else "",
        "achievement": achievement.get("name", ""),
        "type": achievement.get("achievementType", ""),
        "description": achievement.get("description", ""),
        "credits": achievement.get("creditsAvailable"),
        "tags": "、".join(str(t) for t in achievement.get("tag") or []),
        "level": "、".join(str(a) for a in alignment if a),
        "issuing_body": creator.get("name", ""),
        "issuer": issuer.get("name", ""),
        "issuer_id": issuer.get("id", ""),
        "awarded": str(payload.get("awardedDate", ""))[:10],
        "issued": str(payload.get("validFrom", ""))[:10],
        "id": payload.get("id", ""),
        "kid": header.get("kid", ""),
    }


# --- presentations (学习档案 as one JWT) ------------------------------------------------------

PRESENTATION_TYPE = "VerifiablePresentation"
ENVELOPE = "data:application/vc+jwt,"
MAX_CREDENTIALS = 5000


@dataclass
class PresentationOutcome:
    state: str
    message: str
    detail: str = ""
    code: str = ""
    items: list = field(default_factory=list)  # one Outcome per enveloped credential


def is_presentation(token):
    """Whether a compact JWT is a presentation (by its header or, unsigned, its type)."""
    try:
        if jwt.get_unverified_header(token).get("typ") == "vp+jwt":
            return True
        payload = jwt.decode(token, options={"verify_signature": False})
    except (jwt.InvalidTokenError, ValueError, RecursionError):
        return False
    kinds = payload.get("type") if isinstance(payload, dict) else None
    return isinstance(kinds, list) and PRESENTATION_TYPE in kinds


def verify_presentation(token):
    """A presentation signed by this platform: its signature and issuer, then each
    credential it holds checked like a single one (signature, issuer, expiry, status)."""
    header = jwt.get_unverified_header(token)
    key = keys.public_key(header.get("kid"))
    if key is None:
        return PresentationOutcome(INVALID, _l("Not issued by this platform: the signing key is not one of ours."))
    try:
        payload = jwt.decode(token, key, algorithms=[keys.ALGORITHM],
                             options={"verify_exp": False, "verify_nbf": False, "verify_aud": False})
    except jwt.InvalidSignatureError:
        return PresentationOutcome(INVALID, _l("The signature does not match: the presentation has been altered."))
    except jwt.InvalidTokenError as error:
        return PresentationOutcome(INVALID, _l("This is not a credential: it cannot be read as a JWT."),
                                   detail=str(error))
    if payload.get("iss") != addresses.issuer_id():
        return PresentationOutcome(INVALID, _l("Not issued by this platform: the issuer is someone else."))
    envelopes = payload.get("verifiableCredential")
    if not isinstance(envelopes, list) or len(envelopes) > MAX_CREDENTIALS:
        return PresentationOutcome(INVALID, _l("This presentation holds no credentials this platform can read."))
    items, served = [], {}
    for envelope in envelopes:
        inner = envelope.get("id", "") if isinstance(envelope, dict) else ""
        inner = inner[len(ENVELOPE):] if inner.startswith(ENVELOPE) else ""
        items.append(verify(inner, served) if COMPACT_JWS.match(inner) else
                     Outcome(INVALID, _l("This is not a credential: it cannot be read as a JWT.")))
    code = str(payload.get("statementCode") or "")
    states = {item.state for item in items}
    if INVALID in states or EXPIRED in states:
        return PresentationOutcome(INVALID, _l("Some credentials in this presentation are not valid."), code=code,
                                   items=items)
    if REVOKED in states:
        return PresentationOutcome(REVOKED, _l("Signed by this platform, but some records in it have been revoked "
                                               "since; they are marked below."), code=code, items=items)
    return PresentationOutcome(VALID, _l("This presentation is valid: signed by this platform, and no record in it "
                                         "has been revoked."), code=code, items=items)
