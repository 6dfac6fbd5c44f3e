"""Issue 14, item 6: security headers on every kind of page, and stored files that cannot
carry script (images re-encoded, PDFs parsed, both served under a sandboxing policy)."""
import io
import os
import re

import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject
from werkzeug.datastructures import FileStorage

from services import storage
from tests import factories

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def assert_common_headers(response):
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def inline_scripts_carry_the_nonce(response):
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    page = response.get_data(as_text=True)
    for tag in re.findall(r"<script\b[^>]*>", page):
        if "src=" in tag or 'type="application/json"' in tag:
            continue
        assert f'nonce="{nonce}"' in tag, tag
    assert not re.search(r"\son[a-z]+\s*=\s*[\"']", page), "an inline event handler is on the page"


def test_headers_on_every_kind_of_page(app, client_as, reference):
    anonymous = app.test_client()
    pages = [(anonymous, "/"), (anonymous, "/login"), (anonymous, "/rules"), (anonymous, "/no-such-page"),
             (client_as("learner"), "/me/"), (client_as("learner"), "/me/achievements/new"),
             (client_as("center"), "/admin/"), (client_as("center"), "/admin/users/"),
             (client_as("center"), "/admin/sms_outbox/"), (client_as("institution"), "/admin/")]
    for client, url in pages:
        response = client.get(url)
        assert_common_headers(response)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        if response.mimetype == "text/html" and response.status_code == 200:
            inline_scripts_carry_the_nonce(response)
    for response in (anonymous.get("/static/app.js"), anonymous.post("/sms/send", data={"purpose": "bogus"})):
        assert_common_headers(response)
    assert "Strict-Transport-Security" not in anonymous.get("/").headers


def test_hsts_when_the_site_runs_on_https(database_url, tmp_path):
    from tests.conftest import make_app

    secure = make_app(database_url, str(tmp_path / "up"), SESSION_COOKIE_SECURE=True)
    with secure.app_context():
        response = secure.test_client().get("/login", base_url="https://localhost")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def inline_script_problems(text):
    """Inline event handlers and ``<script>`` blocks without a nonce in a template's text."""
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)
    found = ["inline event handler"] if re.search(r"\son[a-z]+\s*=\s*[\"']", text) else []
    return found + [tag for tag in re.findall(r"<script\b[^>]*>", text)
                    if "src=" not in tag and "application/json" not in tag and "nonce" not in tag]


def test_templates_have_no_inline_handlers_and_no_unnonced_scripts():
    """Static check of every template (pages not rendered by the tests included)."""
    found = []
    for folder, _dirs, files in os.walk(os.path.join(ROOT, "templates")):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as handle:
                found += [f"{path}: {problem}" for problem in inline_script_problems(handle.read())]
    assert not found, found


def test_a_planted_inline_script_is_reported():
    """Test of the test: a handler attribute and a script block without a nonce are found;
    a nonced block, a script file and a commented-out handler are not."""
    planted = ('<button onclick="go()">x</button>\n<script>alert(1)</script>\n'
               '<script nonce="{{ csp_nonce() }}">ok()</script>\n<script src="/static/app.js"></script>\n'
               '{# <a onclick="old()"> #}\n')
    assert inline_script_problems(planted) == ["inline event handler", "<script>"]


# --- stored files ---------------------------------------------------------------------------


def upload(data, name):
    return FileStorage(io.BytesIO(data), filename=name)


def jpeg_html_polyglot():
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 120, 200)).save(buffer, "JPEG")
    # A comment segment and trailing bytes with HTML: sniffed as HTML by old browsers.
    data = buffer.getvalue()
    return data[:2] + b"\xff\xfe\x00\x20<html><script>alert(1)</script>" + data[2:] + b"<script>alert(2)</script>"


def test_image_polyglot_is_stored_without_its_payload(app, client_as, reference):
    owner = factories.make_learner()
    achievement = factories.make_achievement(owner)
    attachment = storage.save_upload(upload(jpeg_html_polyglot(), "证书.jpg"), "learner_achievement", achievement.id)
    response = client_as(owner).get(f"/files/{attachment.id}")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert b"<script" not in response.data and b"<html" not in response.data
    assert Image.open(io.BytesIO(response.data)).size == (30, 20)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("data,name,message", [
    (b"%PDF-1.7\n<html><script>alert(1)</script></html>", "fake.pdf", "不是可读的PDF"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "fake.png", "无法读取该图片"),
    (b"\xff\xd8\xff\xe0<html><script>alert(1)</script>", "fake.jpg", "无法读取该图片"),
])
def test_files_that_only_start_right_are_refused(app, data, name, message):
    with pytest.raises(storage.UploadError, match=message):
        storage.save_upload(upload(data, name), "learner_achievement")


def test_pdf_with_open_action_javascript_is_refused(app):
    writer, buffer = PdfWriter(), io.BytesIO()
    writer.add_blank_page(100, 100)
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")})
    writer.write(buffer)
    with pytest.raises(storage.UploadError, match="脚本"):
        storage.save_upload(upload(buffer.getvalue(), "evil.pdf"), "learner_achievement")


def test_a_real_pdf_is_stored_and_served_sandboxed(app, client_as, reference):
    owner = factories.make_learner()
    achievement = factories.make_achievement(owner)
    pdf = factories.pdf_bytes()
    attachment = storage.save_upload(upload(pdf, "证明.pdf"), "learner_achievement", achievement.id)
    response = client_as(owner).get(f"/files/{attachment.id}")
    assert response.data == pdf and response.mimetype == "application/pdf"
    policy = response.headers["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy and "script-src" not in policy
