"""QR codes to /verify, read back by a maintained decoder (zxing-cpp): the one on a passed
conversion's page and in its certificate PDF opens that certificate's check, the one on a
recognised achievement opens 证书验证 (where the credential the learner sends is checked),
and the check page offers its own. Decoded from what the browser draws at 390 px."""
import io
import subprocess

import pytest
import zxingcpp
from flask import g
from PIL import Image

from models import Application, ApplicationKind, ApplicationStatus, LearnerAchievement, User
from services.seed import demo
from tests.ui import phone

pytestmark = pytest.mark.browser


def decode(png_bytes):
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png_bytes)))
    return [code.text for code in found if code.format == zxingcpp.BarcodeFormat.QRCode]


def scanned(code):
    """What a phone camera reads from a code on screen (centred, clear of the bottom bar)."""
    code.evaluate("el => el.scrollIntoView({block: 'center'})")
    return decode(code.screenshot())


def passed_conversion():
    application = Application.get(Application.status == ApplicationStatus.PASSED,
                                  Application.kind == ApplicationKind.CONVERSION)
    return application, User.get_by_id(application.learner_id)


def test_conversion_page_and_certificate_scan_to_their_check(app, browser, live_server, output_dir, tmp_path):
    demo.seed_demo()
    application, learner = passed_conversion()
    assert application.certificate_code
    context = browser.new_context(viewport=phone.PHONE, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    try:
        page.goto(live_server + "/login")
        page.fill("[name=identifier]", learner.username)
        page.fill("[name=password]", demo.DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        page.goto(live_server + f"/me/achievements/{application.achievement_id}")
        figure = page.locator(f"[data-application='{application.id}'] figure[data-qr]")
        figure.scroll_into_view_if_needed()
        page.screenshot(path=f"{output_dir}/qr-conversion-390px.png", full_page=True)
        expected = f"{app.config['PUBLIC_URL']}/verify/{application.certificate_code}"  # never the Host header
        assert scanned(figure.locator("svg")) == [expected]
        assert phone.too_wide(page) == []

        # The certificate PDF carries the same code, readable once printed (rendered at 150 dpi).
        pdf = page.request.get(live_server + f"/me/applications/{application.id}/certificate.pdf").body()
        (tmp_path / "certificate.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(tmp_path / "certificate.pdf"),
                        str(tmp_path / "certificate")], check=True)
        assert decode((tmp_path / "certificate.png").read_bytes()) == [expected]

        # A verifier's phone opens what it decoded: the check, which offers its own code.
        page.goto(live_server + f"/verify/{application.certificate_code}")
        assert page.locator("[data-verified]").is_visible()
        assert scanned(page.locator("main figure[data-qr] svg")) == [expected]
    finally:
        context.close()


def test_a_recognised_achievement_scans_to_the_credential_check(app, browser, live_server):
    demo.seed_demo()
    learner = User.get(User.username == "learner")
    item = LearnerAchievement.get(LearnerAchievement.learner == learner, LearnerAchievement.status == "catalogue")
    context = browser.new_context(viewport=phone.PHONE, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    try:
        page.goto(live_server + "/login")
        page.fill("[name=identifier]", "learner")
        page.fill("[name=password]", demo.DEMO_PASSWORD)
        page.click("main button[type=submit]")
        page.goto(live_server + f"/me/achievements/{item.id}")
        assert scanned(page.locator("main figure[data-qr] svg")) == [f"{app.config['PUBLIC_URL']}/verify"]
    finally:
        context.close()


def test_the_code_follows_public_url(app, client):
    """Behind a proxy the code names the public address, not the one the request came to."""
    demo.seed_demo()
    app.config["PUBLIC_URL"] = "https://xfyh.example.cn"
    application, learner = passed_conversion()
    g.__dict__.clear()
    client.post("/login", data={"identity": "person", "identifier": learner.username, "password": demo.DEMO_PASSWORD})
    html = client.get(f"/me/achievements/{application.achievement_id}").get_data(as_text=True)
    assert f'data-qr="https://xfyh.example.cn/verify/{application.certificate_code}"' in html
