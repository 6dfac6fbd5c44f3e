"""In Chromium: a learner downloads the 学习档案 (the PDF opens, its QR code decodes to the
verify URL, verify shows every item), makes a share link a visitor opens without login,
revokes it; a source withdrawn meanwhile shows as revoked on the verify page and the
shared page alike. The pages at desktop width and at 390 px, checked by axe-core; the
center's 统计报表 the same way."""
import os

import pytest
import zxingcpp
from axe_playwright_python.sync_playwright import Axe
from PIL import Image

from models import Application
from services import ledger
from services.reports import build
from tests.browser import log_in
from tests.ledger.conftest import convert, pdf
from tests.records import pdfs

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
axe = Axe()


def violations(page):
    return [f"{page.url}: {v['id']} {[n['target'] for n in v['nodes'][:3]]}"
            for v in axe.run(page).response["violations"]]


def fits_a_phone(page):
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def visitor_page(browser, url, phone=False):
    context = browser.new_context(viewport=PHONE if phone else {"width": 1280, "height": 900}, locale="zh-CN",
                                  is_mobile=phone)
    page = context.new_page()
    page.goto(url)
    return context, page


def served(page, address, public_url):
    """The page ``address`` names, on the live server: every address the platform hands out
    starts with PUBLIC_URL (never the request's Host), which in tests is not where it listens."""
    assert address.startswith(public_url + "/"), address
    return page.base + address[len(public_url):]


def test_learner_downloads_the_statement_and_shares_a_link(app, ledger_world, page, browser, output_dir, tmp_path):
    public_url = app.config["PUBLIC_URL"]
    passed = Application.get_by_id(convert(ledger_world, ledger_world.stored, ledger_world.rule).id)
    log_in(page, ledger_world.learner)
    page.click("nav >> text=学习档案")
    page.wait_for_url("**/me/record")
    assert page.locator("[data-record-items] tbody tr").count() == 3
    page.screenshot(path=os.path.join(output_dir, "record-learner.png"), full_page=True)
    assert not violations(page)

    with page.expect_download() as started:
        page.click("[data-download-statement]")
    path = tmp_path / started.value.suggested_filename
    started.value.save_as(path)
    text = pdfs.text_of(path)
    assert "学习档案" in text and "A学院经济学毕业证书" in text and "B学院统计学" in text
    [address] = pdfs.qr_codes(path, tmp_path)
    url = served(page, address, public_url)
    assert url.startswith(page.base + "/verify/")
    subprocess_png = tmp_path / "statement"
    os.system(f"pdftoppm -png -r 60 -f 1 -l 1 -singlefile {path} {subprocess_png}")
    os.replace(f"{subprocess_png}.png", os.path.join(output_dir, "record-statement-pdf.png"))

    context, visitor = visitor_page(browser, url)
    assert visitor.locator("[data-statement-state]").get_attribute("data-statement-state") == "valid"
    assert visitor.locator("tr[data-item]").count() == 3
    visitor.screenshot(path=os.path.join(output_dir, "record-verify-valid.png"), full_page=True)
    assert not violations(visitor)
    context.close()

    # A link to the conversion and its source, for 7 days.
    page.goto(page.base + "/me/record")
    page.check(f"input[value='conversion:{passed.id}']")
    page.check(f"input[value='achievement:{ledger_world.stored.id}']")
    page.check("#days-7")
    page.fill("#share-label", "某公司人事部")
    page.click("[data-create-link]")
    address = page.locator("[data-share-url]").input_value()
    link = served(page, address, public_url)
    assert link.startswith(page.base + "/s/") and page.locator("[data-share-qr] svg").count() == 1
    page.locator("[data-share-qr] svg").screenshot(path=str(tmp_path / "qr.png"))
    with Image.open(tmp_path / "qr.png") as image:
        assert [code.text for code in zxingcpp.read_barcodes(image)] == [address]
    page.screenshot(path=os.path.join(output_dir, "record-share-created.png"), full_page=True)

    context, visitor = visitor_page(browser, link, phone=True)
    assert visitor.locator("[data-shared-verified]").count() == 1
    assert visitor.locator("tr[data-item]").count() == 2 and visitor.locator("[data-fallen]").count() == 0
    assert ledger_world.learner.id_number not in visitor.content()
    assert fits_a_phone(visitor)
    visitor.screenshot(path=os.path.join(output_dir, "record-shared-390px.png"), full_page=True)
    assert not violations(visitor)

    # The institution withdraws the source: the conversion and the course it granted fall.
    ledger.withdraw_achievement(ledger_world.stored, ledger_world.a_admin, "证书信息有误", pdf())
    visitor.reload()
    assert visitor.locator("[data-fallen]").count() == 2
    assert "已撤" in visitor.locator("tr[data-item]").first.inner_text()
    visitor.screenshot(path=os.path.join(output_dir, "record-shared-revoked-390px.png"), full_page=True)
    verify_context, verify = visitor_page(browser, url)
    assert verify.locator("[data-statement-state]").get_attribute("data-statement-state") == "changed"
    assert verify.locator("tr.table-danger").count() == 3
    verify.screenshot(path=os.path.join(output_dir, "record-verify-revoked.png"), full_page=True)
    verify_context.close()

    # The learner revokes the link; the visitor is told.
    page.goto(page.base + "/me/record")
    assert page.locator("[data-link] [data-visits]").inner_text() == "2"
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-link] [data-revoke]")
    page.wait_for_selector("[data-link-state='revoked']")
    visitor.reload()
    assert visitor.locator("[data-shared-state='revoked']").count() == 1
    assert visitor.locator("tr[data-item]").count() == 0
    context.close()

    page.set_viewport_size(PHONE)
    page.goto(page.base + "/me/record")
    assert fits_a_phone(page)
    page.screenshot(path=os.path.join(output_dir, "record-learner-390px.png"), full_page=True)


def test_center_reads_a_report_and_drills_down(ledger_world, page, output_dir):
    passed = Application.get_by_id(convert(ledger_world, ledger_world.stored, ledger_world.rule).id)
    build.rebuild()
    log_in(page, ledger_world.center)
    page.goto(page.base + "/admin/center_reports/?period=year&value=" + passed.decided_at.strftime("%Y")
              + "&dimension=institution&measure=applications")
    page.select_option("#report-measure", "credits")
    page.click("[data-report-form] button[type=submit]")
    page.wait_for_selector("#report-chart")
    assert page.locator("[data-report-table] tbody tr").count() == 1
    for _attempt in range(100):  # the chart is drawn at the load event (polled: the CSP forbids eval)
        if page.evaluate("() => !!window.Chart && Object.keys(Chart.instances).length") == 1:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("() => Object.keys(Chart.instances).length") == 1
    page.screenshot(path=os.path.join(output_dir, "report-center.png"), full_page=True)
    assert not violations(page)
    page.click("[data-drill]")
    page.wait_for_selector("[data-drill-rows]")
    assert page.locator("[data-drill-rows] tr[data-row]").count() == 1
    page.set_viewport_size(PHONE)
    page.go_back()
    page.wait_for_selector("[data-report-table]")
    assert fits_a_phone(page)
    page.screenshot(path=os.path.join(output_dir, "report-center-390px.png"), full_page=True)
