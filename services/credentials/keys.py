"""The platform's credential signing keys (Ed25519, JWS ``EdDSA``).

The newest key signs; every key stays published in the JWK set, so a credential signed
before a rotation still verifies. A key's private half is kept in the database as an
encrypted PKCS#8 PEM whose passphrase is derived from SECRET_KEY (HKDF-SHA256): every
host of an installation shares the database and SECRET_KEY, a database backup alone does
not reveal the keys, and nothing private is ever served. A changed SECRET_KEY makes the
old private keys unreadable (their public halves still verify): ``rotate-signing-key``
then adds a new one.
"""
import base64
import hashlib
import json
import re

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from jwt.algorithms import OKPAlgorithm

from models import SigningKey
from services.core import audit
from services.core.database import transaction

ALGORITHM = "EdDSA"
PUBLIC_MEMBERS = ("kty", "crv", "x")  # an OKP public key (RFC 8037); "d" is the private part
THUMBPRINT = re.compile(r"^[A-Za-z0-9_-]{43}$")


class KeyUnavailable(Exception):
    """The signing key cannot be read (SECRET_KEY changed since it was made)."""


def derived_key(purpose):
    """32 bytes for ``purpose`` derived from SECRET_KEY (HKDF-SHA256)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


def _passphrase():
    return base64.urlsafe_b64encode(derived_key(b"creditbank credential signing keys"))


def _thumbprint(jwk):
    """RFC 7638 JWK thumbprint: the key id names the key itself."""
    canonical = json.dumps({k: jwk[k] for k in sorted(PUBLIC_MEMBERS)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


def create_key(user=None):
    """A new signing key; from now on it signs. Returns its row."""
    private = Ed25519PrivateKey.generate()
    public = json.loads(OKPAlgorithm.to_jwk(private.public_key()))
    jwk = {k: public[k] for k in PUBLIC_MEMBERS}
    kid = _thumbprint(jwk)
    jwk.update(kid=kid, alg=ALGORITHM, use="sig")
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_passphrase()),
    )
    with transaction():
        row = SigningKey.create(kid=kid, public_jwk=jwk, private_key=pem.decode("ascii"))
        audit.record("signing_key_created", row, user=user, kid=kid)
    return row


def active_key():
    """The key that signs now (the newest); ``init-db`` makes the first, so the key set is
    never empty (one is still made here should a database lack it)."""
    row = SigningKey.select().order_by(SigningKey.id.desc()).first()
    return row if row is not None else create_key()


def private_key(row):
    try:
        return serialization.load_pem_private_key(row.private_key.encode("ascii"), password=_passphrase())
    except (ValueError, TypeError) as error:
        raise KeyUnavailable(
            f"signing key {row.kid} cannot be decrypted with this SECRET_KEY; run `flask rotate-signing-key`"
        ) from error


def key_url(thumbprint):
    """The ``kid`` of a key: a URL that answers with the key itself (a JWK), as Open Badges
    3.0 asks — a verifier needs nothing else to find it."""
    from services.core.urls import public_url

    return public_url("credentials.key", kid=thumbprint)


def thumbprint_of(kid):
    """The thumbprint a ``kid`` names: our key URL (at any PUBLIC_URL the site had, so the
    path decides), or the bare thumbprint credentials carried before key URLs."""
    if not isinstance(kid, str):
        return None
    tail = kid.rsplit("/credentials/keys/", 1)[-1] if kid.startswith(("http://", "https://")) else kid
    return tail if THUMBPRINT.match(tail) else None


def public_key(kid):
    """The public key named ``kid``, or None when it is not one of ours."""
    thumbprint = thumbprint_of(kid)
    row = SigningKey.get_or_none(SigningKey.kid == thumbprint) if thumbprint else None
    if row is None:
        return None
    return OKPAlgorithm.from_jwk(json.dumps({k: row.public_jwk[k] for k in PUBLIC_MEMBERS}))


def public_jwk(row):
    """A key's published JWK: its public members, named by its key URL."""
    return {**{k: row.public_jwk[k] for k in (*PUBLIC_MEMBERS, "alg", "use")}, "kid": key_url(row.kid)}


def find(thumbprint):
    return SigningKey.get_or_none(SigningKey.kid == thumbprint) if THUMBPRINT.match(thumbprint or "") else None


def jwks():
    """The JWK set: every key's public half, newest (the signing one) first."""
    rows = SigningKey.select(SigningKey.kid, SigningKey.public_jwk).order_by(SigningKey.id.desc())
    return {"keys": [public_jwk(row) for row in rows]}


def sign(payload, typ="vc+jwt"):
    """A compact JWS of ``payload`` by the signing key, naming it by its key URL. Open
    Badges credentials pass ``typ="JWT"`` (OB 3.0: "if present, MUST be JWT"); status lists
    keep VC-JOSE's ``vc+jwt`` and presentations of 学习档案 pass ``vp+jwt``."""
    row = active_key()
    return jwt.encode(payload, private_key(row), algorithm=ALGORITHM, headers={"kid": key_url(row.kid), "typ": typ})
