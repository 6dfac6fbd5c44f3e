"""Conversion methods and rules, institution batches, applications and their review records."""
import datetime as dt

from peewee import (
    SQL,
    AutoField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    ModelSelect,
    TextField,
)

from models.accounts import Institution, User
from models.achievements import LearnerAchievement
from models.base import BaseModel, JSONField, StateMachine, now
from models.catalogue import CatalogueAchievement
from models.enums import (
    ApplicationKind,
    ApplicationStatus,
    Decision,
    Level,
    PublishStatus,
    ReviewStage,
    RuleStatus,
    RuleType,
)
from models.system import Attachment

# --- conversion methods and rules ----------------------------------------------------


class ConversionMethod(BaseModel):
    """转换办法: an institution's stamped policy PDF; one published per institution."""

    STATES = StateMachine("status", {
        PublishStatus.UNPUBLISHED: {PublishStatus.PUBLISHED},
        PublishStatus.PUBLISHED: {PublishStatus.UNPUBLISHED},
    })

    id = AutoField()
    institution = ForeignKeyField(Institution, backref="methods", on_delete="RESTRICT")
    institution_id: int
    name = CharField(max_length=200)
    file = ForeignKeyField(Attachment, null=True, on_delete="SET NULL")
    status = CharField(max_length=20, default=PublishStatus.UNPUBLISHED, index=True)
    commitment_accepted = BooleanField(default=False)
    published_at = DateTimeField(null=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now)

    def __str__(self):
        return self.name

    @classmethod
    def published_per_institution(cls):
        """The published method of each institution (at most one each), with its
        institution joined: the portal's list of conversion methods."""
        return (
            cls.select(cls, Institution)
            .join(Institution)
            .where(cls.status == PublishStatus.PUBLISHED)
            .order_by(Institution.name)
        )


# One published method per institution, enforced by the database (partial unique index).
ConversionMethod.add_index(
    ConversionMethod.index(
        ConversionMethod.institution,
        unique=True,
        where=SQL("status = 'published'"),
        name="conversion_method_one_published",  # the default name is taken by the FK index
    )
)


class ConversionRule(BaseModel):
    """转换规则: sources (catalogue achievements) convert into targets (catalogue achievements,
    with exempt modules) of the publishing institution. Code: date + 4-digit daily sequence."""

    STATES = StateMachine("status", {
        RuleStatus.DRAFT: {RuleStatus.PUBLISHED},
        RuleStatus.PUBLISHED: {RuleStatus.WITHDRAWN, RuleStatus.SUPERSEDED},
        RuleStatus.WITHDRAWN: {RuleStatus.PUBLISHED, RuleStatus.SUPERSEDED},
    })

    id = AutoField()
    code = CharField(max_length=12)  # shared by every version: unique with ``version``
    name = CharField(max_length=200, index=True)
    rule_type = CharField(max_length=10, choices=RuleType.choices(), index=True)
    institution = ForeignKeyField(Institution, backref="rules", on_delete="RESTRICT")
    institution_id: int
    method = ForeignKeyField(ConversionMethod, backref="rules", on_delete="RESTRICT")
    method_id: int
    description = TextField(null=True)  # 转换说明
    target_major = CharField(max_length=100, null=True)  # 专业
    target_major_code = CharField(max_length=20, null=True)
    target_level = CharField(max_length=20, null=True, choices=Level.choices())
    file = ForeignKeyField(Attachment, null=True, on_delete="SET NULL")
    file_id: int | None
    # Backrefs peewee adds from Application.rule and ConversionBatch.rule.
    applications: "ModelSelect[Application]"
    batches: "ModelSelect[ConversionBatch]"
    commitment_accepted = BooleanField(default=False)
    status = CharField(max_length=20, default=RuleStatus.DRAFT, index=True)
    published_at = DateTimeField(null=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now, index=True)
    # Versions (services/ledger/rule_versions.py): a published rule is never changed in place; a
    # change is a new row with the same code, ``version`` + 1 and ``lineage`` = the id of
    # version 1 (NULL on version 1 itself); the earlier row becomes 历史版本 (superseded).
    version = IntegerField(default=1)
    lineage = IntegerField(null=True, index=True)
    effective_from = DateField(null=True)  # 生效日期 (NULL: from publication)
    effective_until = DateField(null=True)  # 失效日期, exclusive (NULL: open-ended)

    class Meta:
        indexes = ((("code", "version"), True),)

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def lineage_id(self):
        return self.lineage or self.id

    @classmethod
    def published(cls):
        return cls.select().where(cls.status == RuleStatus.PUBLISHED)

    @classmethod
    def in_force_condition(cls, day=None):
        """Published, and [生效日期, 失效日期) holds ``day`` (today): the rules applied for."""
        day = day or dt.date.today()
        return (
            (cls.status == RuleStatus.PUBLISHED)
            & (cls.effective_from.is_null() | (cls.effective_from <= day))
            & (cls.effective_until.is_null() | (cls.effective_until > day))
        )

    @classmethod
    def in_force(cls, day=None):
        return cls.select().where(cls.in_force_condition(day))

    @classmethod
    def applicable_to(cls, achievement):
        """Published rules one of whose sources is the catalogue achievement of ``achievement`` (a learner's)."""
        if achievement.catalogue_id is None:
            return cls.select().where(SQL("1 = 0"))
        sources = RuleSource.select(RuleSource.rule).where(RuleSource.catalogue == achievement.catalogue_id)
        return cls.in_force().where(cls.id.in_(sources)).order_by(cls.code)


class RuleSource(BaseModel):
    rule = ForeignKeyField(ConversionRule, backref="sources", on_delete="CASCADE")
    rule_id: int
    catalogue = ForeignKeyField(CatalogueAchievement, backref="rule_sources", on_delete="RESTRICT")
    credits = DecimalField(max_digits=6, decimal_places=1, null=True)

    class Meta:
        indexes = ((("rule", "catalogue"), True),)


class RuleTarget(BaseModel):
    rule = ForeignKeyField(ConversionRule, backref="targets", on_delete="CASCADE")
    rule_id: int
    catalogue = ForeignKeyField(CatalogueAchievement, backref="rule_targets", on_delete="RESTRICT")
    exempt_modules = CharField(max_length=200, null=True)  # e.g. 实操 (2学分)、机考 (2学分)
    # 免考模块 as entered: [{"name": "实操", "credits": "2"}, …]; exempt_modules is their text.
    modules = JSONField(null=True)

    class Meta:
        indexes = ((("rule", "catalogue"), True),)


# --- applications --------------------------------------------------------------------


class ConversionBatch(BaseModel):
    """批量发起成果转换申请 by an institution for its learners under another's rule."""

    id = AutoField()
    institution = ForeignKeyField(Institution, backref="batches", on_delete="RESTRICT")
    institution_id: int
    rule = ForeignKeyField(ConversionRule, backref="batches", on_delete="RESTRICT")
    rule_id: int
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now, index=True)
    reason = TextField(null=True)  # 不通过原因
    # Not columns: what ``submit_batch`` counted, on the batch it returns.
    created: int
    skipped: int


class Application(BaseModel):
    """One table for every application, told apart by ``kind`` (recognition, learner
    conversion, performance conversion, institution batch). ``stage`` of a pending
    conversion follows from ``status``: pending → initial review, initial_passed → final."""

    # Decided by a review (initial pass only for learner conversions); withdrawn by the
    # learner before the first decision; revoked by the ledger (services/ledger) while open
    # when its achievement is withdrawn or revoked, and once passed when the conversion is
    # revoked.
    STATES = StateMachine("status", {
        ApplicationStatus.PENDING: {
            ApplicationStatus.INITIAL_PASSED, ApplicationStatus.PASSED, ApplicationStatus.REFUSED,
            ApplicationStatus.REVOKED, ApplicationStatus.WITHDRAWN,
        },
        ApplicationStatus.INITIAL_PASSED: {
            ApplicationStatus.PASSED, ApplicationStatus.REFUSED, ApplicationStatus.REVOKED
        },
        ApplicationStatus.PASSED: {ApplicationStatus.REVOKED},
    })

    id = AutoField()
    kind = CharField(max_length=20, choices=ApplicationKind.choices(), index=True)
    learner = ForeignKeyField(User, backref="applications", on_delete="RESTRICT")
    learner_id: int
    achievement = ForeignKeyField(LearnerAchievement, backref="applications", on_delete="RESTRICT")
    achievement_id: int
    rule = ForeignKeyField(ConversionRule, null=True, backref="applications", on_delete="RESTRICT")
    rule_id: int | None
    target = ForeignKeyField(CatalogueAchievement, null=True, on_delete="RESTRICT")  # performance path
    target_id: int | None
    batch = ForeignKeyField(ConversionBatch, null=True, backref="applications", on_delete="RESTRICT")
    teaching_point = ForeignKeyField(Institution, null=True, on_delete="SET NULL", index=True)
    teaching_point_id: int | None
    # The institution whose rule it is (机构接收) and the one whose batch it is (机构发起),
    # copied from rule and batch when the row is written: each institution's lists are
    # then read from one index in their order, not by sorting every matching row.
    receiver = ForeignKeyField(Institution, null=True, backref="+", on_delete="RESTRICT", index=False)
    initiator = ForeignKeyField(Institution, null=True, backref="+", on_delete="RESTRICT", index=False)
    status = CharField(max_length=20, default=ApplicationStatus.PENDING, index=True)
    submitted_at = DateTimeField(default=now, index=True)
    decided_at = DateTimeField(null=True)
    # The last review stage that decided it (written with the decision): the 已审核 tabs
    # read it from an index instead of probing review records row by row.
    decided_stage = CharField(max_length=20, null=True)
    # When a learner conversion's initial review decided (written with its review record,
    # ``ReviewRecord.save``): the 转换初审 已审核 tab sorts by it from an index.
    initial_reviewed_at = DateTimeField(null=True)
    # 转换证明的验证码, minted once, when a conversion passes (services/ledger/grants.py).
    certificate_code = CharField(max_length=32, null=True, unique=True)
    revoked_at = DateTimeField(null=True)
    revoked_reason = TextField(null=True)
    withdrawn_at = DateTimeField(null=True)  # by the learner

    class Meta:
        # Review lists: one kind, 待审核 (a status) or 已审核 (any), newest first; for
        # a teaching point's reviewer within their point.
        # The 待审核 indexes end with ``id``: PostgreSQL (whose indexes do not hold it, as
        # SQLite's hold the rowid) then reads a page's ids from the index alone.
        indexes = (
            (("kind", "status", "submitted_at", "id"), False),
            (("kind", "submitted_at"), False),
            (("teaching_point", "kind", "status", "submitted_at", "id"), False),
            (("teaching_point", "kind", "submitted_at"), False),
            # 已审核 tabs by 审核时间: one kind decided at one stage (for a teaching point's
            # reviewer within their point) in deciding order; 转换初审's by the initial review.
            (("kind", "decided_stage", "decided_at", "id"), False),
            (("teaching_point", "kind", "decided_stage", "decided_at", "id"), False),
            (("kind", "initial_reviewed_at", "decided_stage", "id"), False),
            (("teaching_point", "kind", "initial_reviewed_at", "decided_stage", "id"), False),
            # 转换记录 机构接收 / 机构发起, 转换申请审核 个人申请 and the API, newest first (the
            # API's keyset cursor is (time, id)).
            (("receiver", "submitted_at", "id"), False),
            (("receiver", "kind", "status", "submitted_at", "id"), False),
            (("initiator", "submitted_at", "id"), False),
            (("receiver", "decided_at", "id"), False),
            (("initiator", "decided_at", "id"), False),
            # A learner's own applications, newest first (a heavy learner has thousands).
            (("learner", "submitted_at", "id"), False),
            # 已审核 tabs: one kind, newest first, decided at a stage (for a teaching point's
            # reviewer within their point). The stage follows the order: most applications are
            # decided, so walking the order and reading the stage from the index (no table
            # rows; ``id`` in it for PostgreSQL's index-only scans) costs about the page, and a
            # tab taking two stages (转换初审: initial or final) is not a sort of every match.
            (("kind", "submitted_at", "decided_stage", "id"), False),
            (("teaching_point", "kind", "submitted_at", "decided_stage", "id"), False),
            # 统计报表's drill-down into the applications decided in a period, newest first.
            (("decided_at", "id"), False),
        )

    def save(self, *args, **kwargs):
        if self.rule_id is not None and self.receiver_id is None:
            self.receiver_id = self.rule.institution_id
        if self.batch_id is not None and self.initiator_id is None:
            self.initiator_id = self.batch.institution_id
        return super().save(*args, **kwargs)

    def __str__(self):
        return f"{ApplicationKind.label(self.kind)} #{self.id}"


class ReviewRecord(BaseModel):
    """审核记录: one decision of one stage. Unique per (application, stage) so the
    database itself refuses a second decision."""

    id = AutoField()
    application = ForeignKeyField(Application, backref="reviews", on_delete="CASCADE")
    stage = CharField(max_length=20, choices=ReviewStage.choices())
    reviewer = ForeignKeyField(User, null=True, on_delete="SET NULL")
    decision = CharField(max_length=10, choices=Decision.choices())
    opinion = TextField()
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("application", "stage"), True),)

    def save(self, *args, **kwargs):
        """An initial review's time is kept on its application as well, so that the
        转换初审 已审核 tab sorts by it from an index rather than by joining every review."""
        created = self._pk is None
        saved = super().save(*args, **kwargs)
        if created and self.stage == ReviewStage.INITIAL:
            Application.update(initial_reviewed_at=self.created_at).where(
                Application.id == self.application_id).execute()
        return saved


class RuleAlert(BaseModel):
    """A learner was told that a published rule takes their achievements as sources
    (services/ledger/rule_alerts.py): one row per rule and learner, so each is told once."""

    id = AutoField()
    rule = ForeignKeyField(ConversionRule, backref="alerts", on_delete="CASCADE")
    learner = ForeignKeyField(User, backref="rule_alerts", on_delete="CASCADE")
    notified = BooleanField(default=False)
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("rule", "learner"), True),)
