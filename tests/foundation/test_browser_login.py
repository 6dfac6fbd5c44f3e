"""A person logs in through a real browser and lands on their home page."""
import os

import pytest

from tests import factories

pytestmark = pytest.mark.browser


def test_center_staff_log_in_in_a_browser(page, output_dir):
    user = factories.make_user("center", real_name="明耀星")
    page.goto(page.base + "/login")
    page.fill("input[name=identifier]", user.username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    assert "明耀星" in page.content()
    page.screenshot(path=os.path.join(output_dir, "foundation-center-home.png"), full_page=True)
