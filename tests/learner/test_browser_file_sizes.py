"""A file too large is caught in the browser, before anything is sent, with a Chinese
message beside its field: the server would refuse the whole request (413) and the page,
with everything typed into it, would be lost. What was typed stays."""
import pytest

from models import Category
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference")]


def log_in(page, user):
    page.goto(page.base + "/login")
    page.fill("[name=identifier]", user.username)
    page.fill("[name=password]", factories.PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")


def informal_form(page):
    category = Category.get(Category.code == "perf_competition")
    page.goto(page.base + f"/me/achievements/new?category={category.id}")
    page.fill("[name=name]", "省职业技能大赛一等奖")
    page.fill("[name=description]", "我在比赛中负责网络搭建。")


def test_a_file_over_its_limit_is_taken_off_with_a_message(app, page):
    log_in(page, factories.make_learner(username="daxiao01"))
    informal_form(page)
    page.set_input_files("input[type=file]", files=[
        {"name": "证书扫描件.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 " + b"0" * (11 * 1024 * 1024)}])
    message = page.locator(".js-file-size-error")
    assert message.is_visible()
    assert "证书扫描件.pdf" in message.inner_text() and "10 MB" in message.inner_text()
    assert "已填写的其他内容不会丢失" in message.inner_text()
    assert page.evaluate("document.querySelector('input[type=file]').files.length") == 0
    assert page.input_value("[name=name]") == "省职业技能大赛一等奖"


def test_files_adding_up_past_the_request_limit_are_not_sent(app, page):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    log_in(page, factories.make_learner(username="daxiao02"))
    informal_form(page)
    before = page.url
    part = b"%PDF-1.4 " + b"0" * (600 * 1024)
    page.set_input_files("input[type=file]", files=[
        {"name": "一.pdf", "mimeType": "application/pdf", "buffer": part},
        {"name": "二.pdf", "mimeType": "application/pdf", "buffer": part}])
    requests = []
    page.on("request", lambda r: requests.append(r) if r.method == "POST" else None)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_timeout(500)
    assert not requests and page.url == before
    assert "所选文件合计超过1 MB" in page.locator(".js-file-size-error").inner_text()
    assert page.input_value("[name=description]") == "我在比赛中负责网络搭建。"
