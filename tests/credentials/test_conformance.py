"""Credentials as the specifications say, checked from outside: an independent JOSE
library (joserfc) verifies them with the key their ``kid`` URL answers, the Open Badges
3.0 JSON schema (tests/credentials/data, its source and version in its ``$comment``)
accepts them, the JWT claims follow OB 3.0 §8.2, and nothing in them leads back to the
learner's ID number."""
import datetime as dt
import hashlib
import json
import os

import jsonschema
import jwt as pyjwt
import pytest
from joserfc import jwt as jose_jwt
from joserfc.jwk import OKPKey
from openbadgeslib.ob3 import IdentityObject

from models import AchievementStatus, Category, SigningKey
from services.credentials import keys
from services.records.validators import mask_id
from tests import factories
from tests.credentials.test_credentials import passed_conversion
from tests.learner.helpers import learner_with_point

pytestmark = pytest.mark.usefixtures("reference")
ISSUER_FIELDS = Category.ISSUER_FIELDS
SCHEMA_PATH = os.path.join(os.path.dirname(__file__), "data", "ob_v3p0_achievementcredential_schema.json")


@pytest.fixture(scope="module")
def ob3_schema():
    with open(SCHEMA_PATH, encoding="utf-8") as handle:
        schema = json.load(handle)
    jsonschema.Draft201909Validator.check_schema(schema)
    return jsonschema.Draft201909Validator(schema, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER)


def credentials_of(client_as, learner=None):
    """An achievement's and a conversion's credential of one learner, as downloaded."""
    learner = learner or learner_with_point(real_name="陈晓明")
    owner = client_as(learner)
    item = factories.make_achievement(learner, factories.make_catalogue(name="全国计算机等级考试一级证书"),
                                      status=AchievementStatus.RECOGNISED, obtained_on=dt.date(2022, 3, 1))
    application = passed_conversion(learner)
    tokens = [owner.get(f"/me/credentials/achievements/{item.id}.jwt").get_data(as_text=True),
              owner.get(f"/me/credentials/conversions/{application.id}.jwt").get_data(as_text=True)]
    return learner, tokens


def test_an_independent_jose_library_verifies_them_with_the_key_their_kid_names(client, client_as, ob3_schema):
    _learner, tokens = credentials_of(client_as)
    for token in tokens:
        header = pyjwt.get_unverified_header(token)
        assert header["typ"] == "JWT" and header["alg"] == "EdDSA" and set(header) == {"alg", "kid", "typ"}
        assert header["kid"].startswith("http://localhost/credentials/keys/")
        answer = client.get(header["kid"].removeprefix("http://localhost"))  # dereference the kid
        assert answer.status_code == 200 and answer.mimetype == "application/jwk+json"
        jwk = answer.get_json()
        assert "d" not in jwk and jwk["kid"] == header["kid"]
        decoded = jose_jwt.decode(token, OKPKey.import_key(jwk), algorithms=["EdDSA"])
        claims = decoded.claims
        errors = sorted(ob3_schema.iter_errors(claims), key=lambda e: list(e.path))
        assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
        assert claims["iss"] == claims["issuer"]["id"] and claims["jti"] == claims["id"]
        assert claims["sub"] == claims["credentialSubject"]["id"]
        valid_from = dt.datetime.fromisoformat(claims["validFrom"].replace("Z", "+00:00"))
        assert claims["nbf"] == int(valid_from.timestamp())


def test_the_schema_is_not_a_rubber_stamp(client_as, ob3_schema):
    _learner, tokens = credentials_of(client_as)
    claims = pyjwt.decode(tokens[0], options={"verify_signature": False})
    for breaks in (lambda c: c["credentialSubject"]["achievement"].pop("criteria"),
                   lambda c: c.__setitem__("type", ["VerifiableCredential"]),
                   lambda c: c.__setitem__("validFrom", "2022-03-01 00:00"),
                   lambda c: c["credentialSubject"].pop("achievement")):
        broken = json.loads(json.dumps(claims))
        breaks(broken)
        assert not ob3_schema.is_valid(broken)


def test_valid_from_is_the_award_date(client_as):
    _learner, tokens = credentials_of(client_as)
    claims = pyjwt.decode(tokens[0], options={"verify_signature": False})
    valid_from = dt.datetime.fromisoformat(claims["validFrom"].replace("Z", "+00:00"))
    assert valid_from.astimezone().date() == dt.date(2022, 3, 1)
    assert claims["awardedDate"] == claims["validFrom"]


def test_each_issuing_body_has_one_name(client_as):
    """A catalogue achievement whose issuing body is its institution, one naming another body,
    and a conversion under the same institution's rule: one id, one name, everywhere."""
    learner = learner_with_point()
    owner = client_as(learner)
    college = factories.make_institution(name="广东理工职业学院")
    own = factories.make_catalogue(name="网页设计证书", institution=college)
    other = factories.make_catalogue(name="计算机一级证书", institution=college,
                                     fields={name: "教育部教育考试院" for name in ISSUER_FIELDS})
    tokens = []
    for catalogue_achievement in (own, other):
        item = factories.make_achievement(learner, catalogue_achievement, status=AchievementStatus.RECOGNISED)
        tokens.append(owner.get(f"/me/credentials/achievements/{item.id}.jwt").get_data(as_text=True))
    application = passed_conversion(learner)
    tokens.append(owner.get(f"/me/credentials/conversions/{application.id}.jwt").get_data(as_text=True))
    names = {}
    for token in tokens:
        claims = pyjwt.decode(token, options={"verify_signature": False})
        for profile in (claims["issuer"], claims["credentialSubject"]["achievement"].get("creator")):
            if profile:
                names.setdefault(profile["id"], set()).add(profile["name"])
    assert all(len(found) == 1 for found in names.values()), names
    assert {"广东理工职业学院"} in names.values() and {"教育部教育考试院"} in names.values()


def candidates(masked):
    """Every mainland ID number the masked one (first 6, last 4 shown) can stand for."""
    from services.records.validators import check_id_number

    head, tail = masked[:6], masked[-4:]
    day = dt.date(1930, 1, 1)
    while day <= dt.date(2015, 12, 31):
        number = f"{head}{day:%Y%m%d}{tail}"
        if not check_id_number(number):
            yield number
        day += dt.timedelta(days=1)


def strings_in(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from strings_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings_in(value)
    elif isinstance(node, str):
        yield node


def test_the_id_number_cannot_be_recovered_from_the_masked_one(client_as):
    learner = learner_with_point(id_number=factories.valid_id_number(4242))
    _learner, tokens = credentials_of(client_as, learner)
    masked = mask_id(learner.id_number)
    assert "*" in masked and masked[:6] == learner.id_number[:6]
    assert learner.id_number in set(candidates(masked))  # the search covers the real number
    tried = found = 0
    for token in tokens:
        claims = pyjwt.decode(token, options={"verify_signature": False})
        values = set(strings_in(claims))
        salts = [i.get("salt") for i in claims["credentialSubject"].get("identifier", []) if i.get("salt")]
        for number in candidates(masked):
            tried += 1
            guesses = {number, hashlib.sha256(number.encode()).hexdigest(), "sha256$" + hashlib.sha256(number.encode()).hexdigest()}
            guesses |= {IdentityObject.create(number, salt=salt).identity_hash for salt in salts}
            guesses |= {hashlib.sha256((number + salt).encode()).hexdigest() for salt in salts}
            found += bool(guesses & values)
    assert tried > 5000 and found == 0
    # The subject is opaque, the same for one learner's credentials and another's differs.
    subjects = {pyjwt.decode(t, options={"verify_signature": False})["sub"] for t in tokens}
    assert len(subjects) == 1 and learner.id_number not in subjects.pop()
    other, other_tokens = credentials_of(client_as, learner_with_point())
    assert pyjwt.decode(other_tokens[0], options={"verify_signature": False})["sub"] not in {
        pyjwt.decode(t, options={"verify_signature": False})["sub"] for t in tokens}


def test_init_db_creates_the_signing_key(app, client):
    assert client.get("/.well-known/jwks.json").get_json() == {"keys": []}
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert SigningKey.select().count() == 1
    published = client.get("/.well-known/jwks.json").get_json()["keys"]
    assert [key["kid"] for key in published] == [keys.key_url(SigningKey.get().kid)]
    app.test_cli_runner().invoke(args=["init-db"])  # again: still one key
    assert SigningKey.select().count() == 1
