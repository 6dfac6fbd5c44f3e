"""Notifications: an inbox message and, where the manuals send one, an SMS (SPEC §12).

Texts are rendered in the recipient's language (the one they chose, else the platform's
default), not in the language of whoever triggered them; an SMS carries at most
``SMS_MAX_CHARS`` characters — a long review opinion is cut, and the inbox keeps it whole."""
import re

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from models import Message, now
from services import bulk, sms


def recipient_locale(user):
    return getattr(user, "locale", None) or current_app.config["BABEL_DEFAULT_LOCALE"]


def sms_text(body, limit):
    if len(body) <= limit:
        return body
    tail = str(_l("… (full text in your inbox)"))
    return body[: max(limit - len(tail), 0)] + tail


# The SMS signature (【学分银行】, the gateway's sign name) opens a text message; in the
# platform's own inbox it is noise, so the inbox copy starts after it.
SIGNATURE = re.compile(r"^\s*(?:【[^】]{1,12}】|\[Credit Bank\])\s*")


def inbox_text(body):
    return SIGNATURE.sub("", body, count=1)


def notify(user, title, body, link=None, by_sms=False):
    with force_locale(recipient_locale(user)):
        title_text, body_text = str(title), str(body)
        short = sms_text(body_text, current_app.config["SMS_MAX_CHARS"]) if by_sms else None
    Message.create(user=user, title=title_text, body=inbox_text(body_text), link=link)
    if by_sms:
        sms.send(user.phone, short)


def notify_many(notices, link=None, by_sms=False):
    """``notify`` for many recipients at once: ``notices`` are (user, title, body); texts are
    rendered once per language, one INSERT for the inbox rows and one for the SMS outbox,
    whatever their number."""
    limit = current_app.config["SMS_MAX_CHARS"]
    by_locale = {}
    for user, title, body in notices:
        by_locale.setdefault(recipient_locale(user), []).append((user, title, body))
    rows, texts = [], []
    for locale, group in by_locale.items():
        with force_locale(locale):
            for user, title, body in group:
                text = str(body)
                rows.append({"user": user.id, "title": str(title), "body": inbox_text(text)})
                if by_sms:
                    texts.append((user.phone, sms_text(text, limit)))
    bulk.insert_chunked(Message, rows, link=link, created_at=now())
    if by_sms:
        sms.send_many(texts)


def link_to(endpoint, **values):
    """The path of a page a message concerns (its 处理), also outside a request (a
    decision taken by a script or a test)."""
    if has_request_context():
        return url_for(endpoint, **values)
    # No request (hence no URL adapter): bind the app's URL map by hand; a
    # test_request_context would run the request teardown and close the database.
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build(endpoint, values)
