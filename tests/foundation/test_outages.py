"""Outages answered in Chinese: while the database does not answer every page is a 503 in
the site's layout (no user menu: it would read the database) and /healthz a 503 in JSON;
413, 405 and 500 have pages of their own — no Werkzeug page anywhere. /healthz reports
each dependency and says "degraded" when one besides the database is wrong."""
import pytest
from peewee import OperationalError

from models import SmsOutbox, SmsPurpose, db
from services import jobs, queue
from tests import factories

WERKZEUG = ("Internal Server Error", "Service Unavailable", "Request Entity Too Large", "Method Not Allowed",
            "The server encountered", "Werkzeug")


def chinese_page(response, code, words):
    page = response.get_data(as_text=True)
    assert response.status_code == code
    assert response.mimetype == "text/html" and '<html lang="zh-CN">' in page
    assert "cb-header" in page and words in page  # inside the layout
    assert not any(english in page for english in WERKZEUG), page[:500]
    return page


@pytest.fixture
def database_down(app, monkeypatch):
    """Every statement fails as it does while PostgreSQL restarts."""

    def refused(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    def down():
        monkeypatch.setattr(db.obj, "execute_sql", refused)
        monkeypatch.setattr(db.obj, "connect", refused)
    return down


@pytest.mark.parametrize("path", ["/", "/login", "/rules", "/me/", "/admin/", "/admin/jobs/", "/register",
                                  "/verify/ABC"])
def test_every_page_is_a_chinese_503_while_the_database_is_down(app, client_as, database_down, path):
    signed_in = client_as("center")
    database_down()
    for client in (app.test_client(), signed_in):
        response = client.get(path)
        page = chinese_page(response, 503, "服务暂时不可用")
        assert response.headers["Retry-After"] == "30"
        assert "安全退出" not in page  # the user menu reads the database: left out


def test_healthz_is_a_503_in_json_while_the_database_is_down(client, database_down):
    database_down()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "checks": {"database": {"status": "down"}}}


def test_an_upload_over_the_limit_is_a_chinese_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"identity": "person", "identifier": "x" * 4096, "password": "p"})
    chinese_page(response, 413, "上传内容过大")


def test_a_wrong_method_is_a_chinese_405(client):
    chinese_page(client.get("/logout"), 405, "无法执行此操作")


def test_an_unexpected_error_is_a_chinese_500(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        raise RuntimeError("a bug")

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    chinese_page(app.test_client().get("/broken-for-test"), 500, "处理出错")


def test_json_requests_get_json_errors(client, database_down):
    missing = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert missing.status_code == 404 and missing.get_json()["status"] == 404
    database_down()
    down = client.get("/rules", headers={"Accept": "application/json"})
    assert down.status_code == 503 and down.get_json()["status"] == 503


def test_healthz_reports_each_dependency(app, client, monkeypatch):
    answer = client.get("/healthz").get_json()
    assert answer["checks"]["database"] == {"status": "ok"} and answer["checks"]["queue"] == {"status": "ok"}
    assert answer["checks"]["storage"] == {"status": "ok", "backend": "local"}
    assert answer["checks"]["consumer"] == {"status": "missing"} and answer["status"] == "degraded"
    jobs.beat()  # a consumer says it is alive
    answer = client.get("/healthz").get_json()
    assert answer["status"] == "ok" and answer["checks"]["consumer"]["status"] == "ok"


def test_a_queue_that_does_not_answer_degrades_health_but_not_the_site(app, client, monkeypatch):
    jobs.beat()
    monkeypatch.setattr(queue, "ping", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded" and response.get_json()["checks"]["queue"] == {"status": "down"}


def test_a_code_waiting_over_a_minute_degrades_health(app, client):
    import datetime as dt

    from models import now

    jobs.beat()
    SmsOutbox.create(phone="13800000001", body="验证码******", purpose=SmsPurpose.REGISTER, backend="console",
                     created_at=now() - dt.timedelta(seconds=90))
    answer = client.get("/healthz").get_json()
    assert answer["status"] == "degraded"
    assert answer["checks"]["outbox"] == {"status": "late", "codes_waiting_over_a_minute": 1}


def test_a_learner_page_error_keeps_the_user_menu_when_the_database_answers(client_as):
    learner = client_as(factories.make_learner())
    page = chinese_page(learner.get("/no-such-page"), 404, "页面不存在")
    assert "安全退出" in page
