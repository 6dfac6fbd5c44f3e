"""Verifiable credentials: a learner downloads a recognised achievement
or a passed conversion as a signed Open Badges 3.0 credential (JWT-VC); anyone checks it
at /verify — the key, the signature, the issuer, expiry and revocation (status list)."""
import base64
import io
import json
import secrets

import jwt
import pytest
from openbadgeslib.ob3 import decode_encoded_list, set_indices

from models import (
    AchievementStatus,
    Application,
    ApplicationKind,
    ApplicationStatus,
    AuditLog,
    IssuedCredential,
    LearnerAchievement,
    SigningKey,
    now,
)
from services import ledger
from services.credentials import keys, verify
from tests import factories
from tests.learner.helpers import learner_with_point

pytestmark = pytest.mark.usefixtures("reference")


@pytest.fixture
def holder(client_as):
    learner = learner_with_point(real_name="陈晓明")
    catalogue = factories.make_catalogue(name="全国计算机等级考试一级证书")
    item = factories.make_achievement(learner, catalogue, status=AchievementStatus.RECOGNISED)
    client = client_as(learner)
    client.item = item
    return client


def download(client, item):
    response = client.get(f"/me/credentials/achievements/{item.id}.jwt")
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/vc+jwt" and "attachment" in response.headers["Content-Disposition"]
    return response.get_data(as_text=True)


def check(client, token=None, upload=None):
    data = {"jwt": token} if upload is None else {"credential": upload}
    response = client.post("/verify", data=data, content_type="multipart/form-data")
    return response, response.get_data(as_text=True)


def state_of(page):
    return page.split('data-credential-state="')[1].split('"')[0] if 'data-credential-state="' in page else None


def b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_downloaded_credential_is_an_open_badge_signed_by_our_published_key(holder, client):
    token = download(holder, holder.item)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["typ"] == "JWT"
    jwks = client.get("/.well-known/jwks.json").get_json()
    published = {k["kid"]: k for k in jwks["keys"]}
    assert header["kid"] in published
    assert all("d" not in k for k in jwks["keys"])  # never the private half
    key = jwt.PyJWK(published[header["kid"]]).key
    claims = jwt.decode(token, key, algorithms=["EdDSA"])
    assert "OpenBadgeCredential" in claims["type"]
    assert claims["iss"] == claims["issuer"]["id"] == "http://localhost/credentials/issuer"
    assert client.get("/credentials/issuer").get_json()["id"] == claims["iss"]
    subject = claims["credentialSubject"]
    achievement = subject["achievement"]
    assert achievement["name"] == "全国计算机等级考试一级证书" and achievement["creditsAvailable"] == 2
    assert achievement["achievementType"] == "Certificate" and achievement["creator"]["name"]
    identifiers = {i["identityType"]: i for i in subject["identifier"]}
    assert identifiers["name"]["identityHash"] == "陈晓明" and identifiers["name"]["hashed"] is False
    assert set(identifiers) == {"name"} and holder.user.id_number not in json.dumps(claims)
    assert claims["sub"] == subject["id"] and subject["id"].startswith("urn:creditbank:learner:")
    assert claims["credentialStatus"]["statusListCredential"] == "http://localhost/credentials/status/1"
    assert AuditLog.select().where(AuditLog.action == "credential_issued").count() == 1


def test_issued_credential_verifies_at_verify_with_its_details(holder, client):
    token = download(holder, holder.item)
    response, page = check(client, token)
    assert response.status_code == 200 and state_of(page) == "valid"
    assert "有效" in page and "该凭证真实有效" in page
    for fact in ("陈晓明", "全国计算机等级考试一级证书", "广东终身教育学分银行"):
        assert fact in page, fact
    # The same file uploaded instead of pasted; and wrapped in JSON.
    _response, page = check(client, upload=(io.BytesIO(token.encode()), "credential.jwt"))
    assert state_of(page) == "valid"
    _response, page = check(client, upload=(io.BytesIO(json.dumps({"credential": token}).encode()), "c.json"))
    assert state_of(page) == "valid"


def test_a_tampered_payload_or_signature_is_rejected(holder, client):
    token = download(holder, holder.item)
    head, body, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["credentialSubject"]["achievement"]["name"] = "博士学位证书"
    forged_body = f"{head}.{b64(claims)}.{signature}"
    _response, page = check(client, forged_body)
    assert state_of(page) == "invalid" and "签名不符" in page and "博士学位证书" not in page
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BA")
    _response, page = check(client, f"{head}.{body}.{flipped}")
    assert state_of(page) == "invalid" and "签名不符" in page


def test_unknown_key_and_foreign_issuer_are_rejected(holder, client):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    token = download(holder, holder.item)
    claims = jwt.decode(token, options={"verify_signature": False})
    outsider = Ed25519PrivateKey.generate()
    # Someone else's key, claiming one of our key ids' neighbours: not in our JWK set.
    foreign = jwt.encode(claims, outsider, algorithm="EdDSA", headers={"kid": "not-ours", "typ": "vc+jwt"})
    _response, page = check(client, foreign)
    assert state_of(page) == "invalid" and "签名密钥不属于本平台" in page
    # Someone else's key under our kid: the signature fails.
    ours = jwt.get_unverified_header(token)["kid"]
    impostor = jwt.encode(claims, outsider, algorithm="EdDSA", headers={"kid": ours, "typ": "vc+jwt"})
    _response, page = check(client, impostor)
    assert state_of(page) == "invalid" and "签名不符" in page
    # Our key, but a credential naming another issuer (signed here to prove the check).
    claims["issuer"]["id"] = claims["iss"] = "https://elsewhere.example/issuer"
    other_issuer = keys.sign(claims)
    _response, page = check(client, other_issuer)
    assert state_of(page) == "invalid" and "签发方不是本平台" in page


def test_an_expired_credential_shows_as_expired(holder, client):
    token = download(holder, holder.item)
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["exp"] = claims["nbf"] + 1
    claims["validUntil"] = "2000-01-01T00:00:00Z"
    _response, page = check(client, keys.sign(claims))
    assert state_of(page) == "expired" and "已过期" in page and "陈晓明" in page


def test_after_rotation_old_and_new_credentials_verify(app, holder, client):
    old = download(holder, holder.item)
    result = app.test_cli_runner().invoke(args=["rotate-signing-key"])
    assert result.exit_code == 0, result.output
    assert SigningKey.select().count() == 2
    new = download(holder, holder.item)
    old_kid, new_kid = jwt.get_unverified_header(old)["kid"], jwt.get_unverified_header(new)["kid"]
    assert old_kid != new_kid and new_kid.endswith("/credentials/keys/" + result.output.split()[3].rstrip(";"))
    published = [k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]]
    assert published == [new_kid, old_kid]
    for token in (old, new):
        _response, page = check(client, token)
        assert state_of(page) == "valid"
    # One status-list bit per record, whichever credential of it was downloaded.
    assert IssuedCredential.select().count() == 1


def test_private_keys_are_encrypted_with_a_key_derived_from_secret_key(app, holder, client_as):
    download(holder, holder.item)
    row = SigningKey.get()
    assert "ENCRYPTED PRIVATE KEY" in row.private_key
    assert keys.private_key(row) is not None
    app.config["SECRET_KEY"] = "another-secret"
    with pytest.raises(keys.KeyUnavailable):
        keys.private_key(row)
    # The download then explains itself instead of failing; a rotation makes a usable key.
    again = client_as(holder.user)  # the old session cookie was signed with the old SECRET_KEY
    response = again.get(f"/me/credentials/achievements/{holder.item.id}.jwt", follow_redirects=True)
    assert "暂时无法签发可验证凭证" in response.get_data(as_text=True)
    keys.create_key()
    assert download(again, holder.item)


def status_bit(client, token):
    entry = jwt.decode(token, options={"verify_signature": False})["credentialStatus"]
    listed = client.get(entry["statusListCredential"])
    assert listed.mimetype == "application/vc+jwt"
    subject = jwt.decode(listed.get_data(as_text=True), options={"verify_signature": False})["credentialSubject"]
    assert subject["statusPurpose"] == "revocation"
    return int(entry["statusListIndex"]) in set_indices(decode_encoded_list(subject["encodedList"]))


def test_a_withdrawn_achievement_is_revoked_through_the_status_list(holder, client, client_as):
    item = holder.item
    institution = factories.make_institution()
    LearnerAchievement.update(stored_by=institution).where(LearnerAchievement.id == item.id).execute()
    token = download(holder, item)
    assert status_bit(client, token) is False
    staff = factories.make_user("institution", institution=institution)
    from services import ledger

    ledger.withdraw_achievement(LearnerAchievement.get_by_id(item.id), staff, "证书信息有误",
                                  _reason_file())
    assert status_bit(client, token) is True
    _response, page = check(client, token)
    assert state_of(page) == "revoked" and "已撤销" in page and "全国计算机等级考试一级证书" in page
    # No new credential for a withdrawn achievement.
    response = holder.get(f"/me/credentials/achievements/{item.id}.jwt")
    assert response.status_code == 302


def _reason_file():
    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(factories.pdf_bytes()), filename="reason.pdf", content_type="application/pdf")


def passed_conversion(learner):
    source = factories.make_catalogue(name="电子商务师证书")
    target = factories.make_catalogue(category_code="course", name="电子商务概论", credits=3,
                                      institution=factories.make_institution(name="广东开放大学"))
    rule = factories.make_rule([source], [target], name="电商证书转电子商务概论")
    row = factories.make_achievement(learner, source)
    return Application.create(kind=ApplicationKind.CONVERSION, learner=learner, achievement=row, rule=rule,
                              status=ApplicationStatus.PASSED, decided_at=now(),
                              certificate_code=secrets.token_hex(8).upper())


def test_a_conversion_certificate_credential_verifies_and_is_revoked_with_its_source(client_as, client):
    learner = learner_with_point(real_name="李小明")
    application = passed_conversion(learner)
    owner = client_as(learner)
    page = owner.get(f"/me/achievements/{application.achievement_id}").get_data(as_text=True)
    assert f"/me/credentials/conversions/{application.id}.jwt" in page and "下载可验证凭证" in page
    response = owner.get(f"/me/credentials/conversions/{application.id}.jwt")
    assert response.status_code == 200
    token = response.get_data(as_text=True)
    claims = jwt.decode(token, options={"verify_signature": False})
    achievement = claims["credentialSubject"]["achievement"]
    assert "电子商务概论" in achievement["name"] and "电子商务师证书" in achievement["description"]
    assert achievement["creditsAvailable"] == 3 and achievement["creator"]["name"] == "广东开放大学"
    assert claims["evidence"][0]["id"].endswith(f"/verify/{application.certificate_code}")
    _response, page = check(client, token)
    assert state_of(page) == "valid" and "李小明" in page and "电子商务概论" in page
    # The center revokes the conversion: its credential no longer stands.
    ledger.revoke_conversion(application, factories.make_user("center"), "源成果证书不实")
    _response, page = check(client, token)
    assert state_of(page) == "revoked"


def test_learners_download_only_their_own_credentials(holder, client_as, client):
    other = learner_with_point()
    application = passed_conversion(other)
    theirs = factories.make_achievement(other, factories.make_catalogue(), status=AchievementStatus.RECOGNISED)
    assert holder.get(f"/me/credentials/achievements/{theirs.id}.jwt").status_code == 404
    assert holder.get(f"/me/credentials/conversions/{application.id}.jwt").status_code == 404
    assert IssuedCredential.select().count() == 0
    # Anonymous visitors go to the login page; staff are refused.
    assert "/login" in client.get(f"/me/credentials/achievements/{theirs.id}.jwt").headers["Location"]
    assert client_as("center").get(f"/me/credentials/achievements/{theirs.id}.jwt").status_code == 403
    # Not yet recognised, not yet passed: nothing to download.
    pending = factories.make_achievement(holder.user, status=AchievementStatus.UNDER_REVIEW)
    assert holder.get(f"/me/credentials/achievements/{pending.id}.jwt").status_code == 302
    Application.update(status=ApplicationStatus.PENDING).where(Application.id == application.id).execute()
    mine = passed_conversion(holder.user)
    Application.update(status=ApplicationStatus.INITIAL_PASSED).where(Application.id == mine.id).execute()
    assert holder.get(f"/me/credentials/conversions/{mine.id}.jwt").status_code == 404


@pytest.mark.parametrize("payload, message", [
    ({}, "请选择凭证文件"),
    ({"jwt": "not a credential"}, "凭证应为 JWT"),
    ({"jwt": "{not json"}, "不是有效的 JSON"),
    ({"jwt": '{"name": "x"}'}, "没有 JWT 凭证"),
    ({"jwt": "a.b.c"}, "无法按 JWT 读取"),
    ({"credential": (io.BytesIO(b"\xff\xfe\x00\x01binary"), "x.jwt")}, "文件不是文本"),
    # One byte over the largest upload /verify reads (a 学习档案 presentation holds many credentials).
    ({"credential": (io.BytesIO(b"a" * (verify.MAX_BYTES + 1)), "big.jwt")}, "文件过大"),
    ({"jwt": "eyJhbGciOiJub25lIn0.eyJ4IjoxfQ."}, "凭证应为 JWT"),
    ({"jwt": f"{b64({'alg': 'none', 'kid': 'x'})}.{b64({'x': 1})}.c2ln"}, "签名密钥不属于本平台"),
    ({"jwt": base64.urlsafe_b64encode(b"[" * 40000).decode().rstrip("=") + ".e30.c2ln"}, "无法按 JWT 读取"),
    ({"jwt": f"{b64({'alg': 'EdDSA', 'kid': ['x']})}.e30.c2ln"}, "无法按 JWT 读取"),
])
def test_bad_uploads_get_a_clear_message_never_a_500(client, payload, message):
    response = client.post("/verify", data=payload, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400) and message in page, page[:2000]


def test_the_status_list_and_the_page_with_csrf_on(csrf_app, reference):
    """/verify keeps CSRF protection; the form carries its token."""
    client = csrf_app.test_client()
    page = client.get("/verify").get_data(as_text=True)
    assert 'name="csrf_token"' in page and 'enctype="multipart/form-data"' in page
    assert client.post("/verify", data={"jwt": "a.b.c"}).status_code == 400
    assert client.get("/credentials/status/1").status_code == 404  # no list before a first credential
