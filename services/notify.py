"""Notifications: an inbox message and, where the manuals send one, an SMS (SPEC §12)."""
from models import Message
from services import sms


def notify(user, title, body, link=None, by_sms=False):
    Message.create(user=user, title=str(title), body=str(body), link=link)
    if by_sms:
        sms.send(user.phone, body)
