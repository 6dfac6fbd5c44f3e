"""The Content-Security-Policy breaks nothing (Debian chromium): Flask-Admin's filters,
select2 and "With selected" actions (the app's forms use no Flask-Admin date picker), the Chart.js dashboard, and the
data-confirm forms work, and the browser reports no CSP violation on the way."""
import os

import pytest

from models import SmsOutbox
from tests import factories
from tests.center.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference")]


@pytest.fixture
def violations(page):
    """Console messages of refused scripts, styles, handlers or frames."""
    found = []
    page.on("console", lambda message: found.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text or "Refused to" in message.text else None)
    return found


def test_admin_pages_work_under_the_csp(page, output_dir, violations):
    from tests.center.test_dashboard import build_history

    center = factories.make_user("center")
    build_history()
    SmsOutbox.create(phone="13500000001", body="测试短信", purpose="notice", backend="console")
    log_in(page, center)

    # The dashboard draws its charts (Chart.js and the nonce'd inline script).
    page.goto(page.base + "/admin/")
    page.wait_for_function("() => window.Chart && document.querySelector('canvas') && "
                           "Chart.getChart(document.querySelector('canvas'))")
    page.screenshot(path=os.path.join(output_dir, "csp-dashboard.png"), full_page=True)

    # Filters: the Add Filter menu adds a filter row; a date filter opens its picker.
    page.goto(page.base + "/admin/sms_outbox/")
    page.click("a.nav-link.dropdown-toggle:has-text('添加筛选条件')")
    page.locator(".field-filters a.filter").last.click()
    page.screenshot(path=os.path.join(output_dir, "csp-filter-added.png"), full_page=True)
    page.wait_for_selector(".filters .select2-container")  # select2 styled the operation
    assert page.url.endswith("/admin/sms_outbox/")  # the javascript: link was not followed

    # "With selected" runs Flask-Admin's action script: with nothing selected it says so.
    page.goto(page.base + "/admin/learners/")
    messages = []
    page.on("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))
    actions = page.locator(".dropdown-menu:has([data-admin-action])").locator("xpath=preceding-sibling::a[1]")
    actions.click()
    page.click("[data-admin-action]")
    page.wait_for_timeout(300)
    assert messages, "the action link did nothing"
    page.check("input.action-checkbox")
    actions.click()
    page.click("[data-admin-action='disable']")
    page.wait_for_timeout(300)
    assert len(messages) == 2  # the action's confirmation, dismissed: nothing changed
    assert violations == [], violations


def test_learner_confirmations_work_under_the_csp(page, violations):
    learner = factories.make_learner()
    achievement = factories.make_achievement(learner)
    log_in(page, learner)
    page.goto(page.base + "/me/")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    form = page.locator(f"form[action$='/achievements/{achievement.id}/delete'] button")
    if form.count():
        form.first.click()
        page.wait_for_timeout(300)
        assert asked, "the data-confirm form did not ask"
    page.goto(page.base + "/me/achievements/new")
    assert violations == [], violations
