"""Notifications: an inbox message and, where the manuals send one, an SMS (SPEC §12)."""
from flask import current_app, has_request_context, url_for

from models import Message
from services import sms


def notify(user, title, body, link=None, by_sms=False):
    Message.create(user=user, title=str(title), body=str(body), link=link)
    if by_sms:
        sms.send(user.phone, body)


def link_to(endpoint, **values):
    """The path of a page a message concerns (its 处理), also outside a request (a
    decision taken by a script or a test)."""
    if has_request_context():
        return url_for(endpoint, **values)
    # No request (hence no URL adapter): bind the app's URL map by hand; a
    # test_request_context would run the request teardown and close the database.
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build(endpoint, values)
