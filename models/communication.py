"""Portal content and what the platform sends people: articles, inbox messages, SMS and e-mail outboxes."""
from peewee import (
    SQL,
    AutoField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Select,
    TextField,
    fn,
)

from models.accounts import User
from models.base import BaseModel, Prepared, StateMachine, now
from models.enums import ArticleKind, ArticleStatus, SmsPurpose, SmsStatus

# The badge's "99+", as phones show one: each page counts at most 100 of a person's
# unread messages (counting to 1 000 took two thirds of the session row's 0.3 ms).
UNREAD_CAP = 99


class UnreadCount(int):
    """An unread count that stopped at its cap: shows as "99+"."""

    def __str__(self):
        return f"{int(self)}+"


class Message(BaseModel):
    """收件箱 / 我的消息 entry; ``link`` is the page it concerns (处理)."""

    id = AutoField()
    user = ForeignKeyField(User, backref="messages", on_delete="CASCADE")
    title = CharField(max_length=200)
    body = TextField()
    link = CharField(max_length=255, null=True)
    read_at = DateTimeField(null=True)
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("user", "read_at"), False), (("user", "created_at"), False))

    @classmethod
    def unread_count(cls, user):
        """The user's unread messages, counted up to ``UNREAD_CAP`` (an institution account
        may have tens of thousands; the badge then shows "99+"). Every page shows it: the
        session row brings it (web/sessions.py), this asks when that did not."""
        return cls.capped(_UNREAD.scalar(user=getattr(user, "id", user)))

    @staticmethod
    def unread_counted(user):
        """The statement counting ``user``'s (a value or a column) unread messages up to one
        over the cap: a query of its own, or a column of another (the session row)."""
        return Select([Message.select(SQL("1")).where(Message.user == user, Message.read_at.is_null())
                       .limit(UNREAD_CAP + 1).alias("capped")], [fn.COUNT(SQL("*"))])

    @staticmethod
    def capped(found):
        return UnreadCount(UNREAD_CAP) if found > UNREAD_CAP else found


_UNREAD = Prepared(lambda user: Message.unread_counted(user).tuples(), "user", server=True)


class SmsOutbox(BaseModel):
    # Delivery by the job consumer and its sweeper (services.messaging.sms_gateway): a claim is
    # sent, put back for a retry, or — when the gateway may have taken it (a timeout) —
    # unknown until the provider's delivery report says sent, or not taken (a retry).
    STATES = StateMachine("status", {
        SmsStatus.PENDING: {SmsStatus.SENDING, SmsStatus.FAILED},
        SmsStatus.SENDING: {SmsStatus.SENT, SmsStatus.PENDING, SmsStatus.FAILED, SmsStatus.UNKNOWN},
        SmsStatus.UNKNOWN: {SmsStatus.SENT, SmsStatus.PENDING, SmsStatus.FAILED},
    })

    id = AutoField()
    phone = CharField(max_length=20, index=True)
    body = TextField()
    purpose = CharField(max_length=30, default=SmsPurpose.NOTICE)
    backend = CharField(max_length=20)
    created_at = DateTimeField(default=now, index=True)
    # Delivery by the job consumer (services.messaging.sms_gateway): pending → sending → sent / failed.
    status = CharField(max_length=10, default=SmsStatus.PENDING)
    attempts = IntegerField(default=0)
    sent_at = DateTimeField(null=True)
    error = CharField(max_length=500, null=True)
    # What the gateway is sent (the text with its codes and the template parameters),
    # encrypted with a key derived from SECRET_KEY (services.messaging.sealing) and erased once the
    # row is final: the sweeper can deliver any row whatever happened to the queue, and
    # the body center staff read keeps its codes masked.
    payload = TextField(null=True)
    next_attempt_at = DateTimeField(null=True)  # a retry's time (null: at once)
    reference = CharField(max_length=40, null=True)  # our id of the message at the provider (OutId)

    class Meta:
        # 短信发件箱 is listed newest first: filtered by 用途 or 状态, the index serves the order too.
        indexes = ((("purpose", "created_at"), False), (("status", "created_at"), False))


class EmailOutbox(BaseModel):
    """E-mails the platform owes someone; the job consumer delivers them through the
    backend ``EMAIL_BACKEND`` names (services/messaging/mail.py), as SMS leave ``sms_outbox``."""

    STATES = SmsOutbox.STATES  # the same delivery: claimed, sent, retried or failed

    id = AutoField()
    email = CharField(max_length=100, index=True)
    subject = CharField(max_length=200)
    body = TextField()
    created_at = DateTimeField(default=now, index=True)
    # Delivery (services.messaging.mail): pending → sending → sent / failed.
    status = CharField(max_length=10, default=SmsStatus.PENDING)
    attempts = IntegerField(default=0)
    sent_at = DateTimeField(null=True)
    error = CharField(max_length=500, null=True)
    # The text with its secret in clear (a login code), sealed (services.messaging.sealing); the
    # body above is what staff read, the secret masked. Null when there is no secret.
    payload = TextField(null=True)
    next_attempt_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "created_at"), False),)  # 电子邮件发件箱 filtered by 状态, newest first


class Article(BaseModel):
    """Portal content: 资讯中心, 业务指南, 规章制度."""

    STATES = StateMachine("status", {
        ArticleStatus.DRAFT: {ArticleStatus.PUBLISHED},
        ArticleStatus.PUBLISHED: {ArticleStatus.DRAFT},
    })

    id = AutoField()
    kind = CharField(max_length=20, choices=ArticleKind.choices(), index=True)
    title = CharField(max_length=200)
    body = TextField()
    status = CharField(max_length=20, default=ArticleStatus.DRAFT, index=True)
    published_at = DateTimeField(null=True, index=True)
    author = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now)

    def __str__(self):
        return self.title
