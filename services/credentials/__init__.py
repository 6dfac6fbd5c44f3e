"""Verifiable credentials (issue 19): every recognised achievement and every passed
conversion can be downloaded by its learner as an Open Badges 3.0 credential, a W3C
Verifiable Credential secured as a JWT (``typ: JWT``, OB 3.0 §8.2) signed with the platform's
Ed25519 key; anyone checks it at /verify.

  keys.py     the signing keys: creation, rotation, the published JWK set
  content.py  what a credential says (learner, achievement, issuer) and its signing
  status.py   the revocation status lists (W3C Bitstring Status List), from current state
  verify.py   checking an uploaded or pasted credential: key, signature, issuer, expiry, status

openbadgeslib builds and reads the credential format and the status lists; PyJWT and
cryptography (its dependencies) sign and verify. Nothing here implements cryptography.
"""
