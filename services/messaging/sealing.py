"""Values kept in the database that staff must not read, sealed with a key derived from
SECRET_KEY (HKDF-SHA256, Fernet: AES-CBC + HMAC): what an SMS gateway is sent while the
message waits in the outbox (its code in clear). A database backup alone does not open
them; a changed SECRET_KEY makes them unreadable (``Unreadable``)."""
import base64
import json

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

MASK = "******"


def mask(body, secrets):
    """``body`` with each of ``secrets`` (a code, a link's token) replaced by ``MASK``: the
    copy of a message staff read in an outbox."""
    text = str(body)
    for secret in secrets:
        if secret:
            text = text.replace(str(secret), MASK)
    return text


class Unreadable(ValueError):
    """Sealed under another SECRET_KEY, or damaged."""


def _fernet():
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"creditbank sealed values").derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(value):
    """``value`` (anything JSON can hold) as a sealed text."""
    return _fernet().encrypt(json.dumps(value, ensure_ascii=False).encode()).decode()


def unseal(text):
    try:
        return json.loads(_fernet().decrypt(text.encode()))
    except (InvalidToken, ValueError) as error:
        raise Unreadable("sealed under another SECRET_KEY, or damaged") from error
