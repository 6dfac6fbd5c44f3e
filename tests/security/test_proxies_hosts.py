"""Forwarded headers only from TRUSTED_PROXIES; links and credential issuers only from
PUBLIC_URL, whatever Host header a request carries."""
import json
import logging

import jwt
import pytest

from models import AchievementStatus, ThrottleHit
from tests import factories
from tests.conftest import _app_for_test, make_app


@pytest.fixture
def proxied(database_url, tmp_path):
    yield from _app_for_test(database_url, tmp_path, TRUSTED_PROXIES="10.0.0.0/8, 192.168.1.7")


def sms_request(client, peer, forwarded):
    return client.post("/sms/send", data={"purpose": "register", "phone": "13900000001"},
                       headers={"X-Forwarded-For": forwarded}, environ_base={"REMOTE_ADDR": peer})


def counted_addresses():
    return {row.key for row in ThrottleHit.select().where(ThrottleHit.scope == "sms_addr")}


def test_only_a_trusted_proxy_is_believed_and_only_for_its_own_hop(proxied):
    client = proxied.test_client()
    # Through the proxy: the client is what the proxy saw, whatever the client wrote before it.
    sms_request(client, "10.1.2.3", "6.6.6.6, 203.0.113.9")
    # Two proxies in a row (the load balancer, then nginx): both skipped.
    sms_request(client, "192.168.1.7", "203.0.113.10, 10.9.9.9")
    # Straight to the app from outside, with a forged header: the peer counts.
    sms_request(client, "198.51.100.4", "10.1.1.1")
    assert counted_addresses() == {"203.0.113.9", "203.0.113.10", "198.51.100.4"}


def test_rotating_forwarded_addresses_from_an_untrusted_peer_change_nothing(proxied):
    client = proxied.test_client()
    answers = [sms_request(client, "198.51.100.5", f"203.0.113.{n}").status_code for n in range(25)]
    assert answers.count(429) == 5 and counted_addresses() == {"198.51.100.5"}


def test_forwarded_headers_from_an_untrusted_peer_are_warned_about_once(proxied, caplog):
    client = proxied.test_client()
    with caplog.at_level(logging.WARNING, logger="services.proxies"):
        for n in range(3):
            client.get("/", headers={"X-Forwarded-For": "203.0.113.1"}, environ_base={"REMOTE_ADDR": f"198.51.100.{n}"})
    warnings = [r for r in caplog.records if "TRUSTED_PROXIES" in r.getMessage()]
    assert len(warnings) == 1 and "198.51.100.0" in warnings[0].getMessage()


def test_a_bad_trusted_proxies_value_stops_the_start(database_url, tmp_path):
    from app.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="TRUSTED_PROXIES"):
        make_app(database_url, str(tmp_path), TRUSTED_PROXIES="10.0.0.0/33")


def test_production_refuses_to_start_without_public_url(database_url, tmp_path):
    from app.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="PUBLIC_URL"):
        make_app(database_url, str(tmp_path), APP_ENV="production", PUBLIC_URL="")
    application = make_app(database_url, str(tmp_path), APP_ENV="production", PUBLIC_URL="https://xfyh.example.cn/")
    assert application.config["TRUSTED_HOSTS"] == ["xfyh.example.cn"]


def test_development_has_a_configured_default(database_url, tmp_path):
    application = make_app(database_url, str(tmp_path), PUBLIC_URL="")
    assert application.config["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert {"127.0.0.1", "localhost"} <= set(application.config["TRUSTED_HOSTS"])


def test_an_unknown_host_header_is_refused(client):
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "localhost:5000"}).status_code == 200


@pytest.fixture
def unconfigured(database_url, tmp_path):
    """PUBLIC_URL left unset, as the audit found it; a forged host let in by TRUSTED_HOSTS."""
    yield from _app_for_test(database_url, tmp_path, PUBLIC_URL="", TRUSTED_HOSTS=["localhost", "evil.example"])


def test_a_credential_names_public_url_whatever_the_host_header(unconfigured, reference):
    learner = factories.make_learner()
    item = factories.make_achievement(learner, factories.make_catalogue(), status=AchievementStatus.RECOGNISED)
    client = unconfigured.test_client()
    client.environ_base["HTTP_HOST"] = "evil.example"
    factories.login(client, learner)
    response = client.get(f"/me/credentials/achievements/{item.id}.jwt")
    assert response.status_code == 200
    token = response.get_data(as_text=True)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert "evil.example" not in json.dumps(claims) + json.dumps(jwt.get_unverified_header(token))
    assert claims["iss"] == "http://127.0.0.1:5000/credentials/issuer"  # the development default
    assert claims["credentialStatus"]["statusListCredential"].startswith("http://127.0.0.1:5000/")
