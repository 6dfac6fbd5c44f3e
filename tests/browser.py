"""What browser tests share: logging a person in by the login page, as they would."""
from tests import factories


def log_in(page, user):
    """Log ``user`` in on ``page`` (its cookies cleared first); waits for their home."""
    page.context.clear_cookies()
    page.goto(page.base + "/login")
    if user.role in ("institution", "subuser"):
        page.check("input[value=institution]")
    page.fill("input[name=identifier]", user.username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/" if user.role != "learner" else "**/me/")
