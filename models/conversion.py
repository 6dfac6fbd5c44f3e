"""Conversion methods and rules, institution batches, applications and their review records."""
from peewee import (
    SQL,
    AutoField,
    BooleanField,
    CharField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
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
    """转换规则: sources (catalogue entries) convert into targets (catalogue entries, with
    exempt modules) of the publishing institution. Code: date + 4-digit daily sequence."""

    STATES = StateMachine("status", {
        RuleStatus.DRAFT: {RuleStatus.PUBLISHED},
        RuleStatus.PUBLISHED: {RuleStatus.WITHDRAWN},
        RuleStatus.WITHDRAWN: {RuleStatus.PUBLISHED},
    })

    id = AutoField()
    code = CharField(max_length=12, unique=True)
    name = CharField(max_length=200, index=True)
    rule_type = CharField(max_length=10, choices=RuleType.choices(), index=True)
    institution = ForeignKeyField(Institution, backref="rules", on_delete="RESTRICT")
    method = ForeignKeyField(ConversionMethod, backref="rules", on_delete="RESTRICT")
    description = TextField(null=True)  # 转换说明
    target_major = CharField(max_length=100, null=True)  # 专业
    target_major_code = CharField(max_length=20, null=True)
    target_level = CharField(max_length=20, null=True, choices=Level.choices())
    file = ForeignKeyField(Attachment, null=True, on_delete="SET NULL")
    commitment_accepted = BooleanField(default=False)
    status = CharField(max_length=20, default=RuleStatus.DRAFT, index=True)
    published_at = DateTimeField(null=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now, index=True)

    def __str__(self):
        return f"{self.code} {self.name}"

    @classmethod
    def published(cls):
        return cls.select().where(cls.status == RuleStatus.PUBLISHED)

    @classmethod
    def applicable_to(cls, achievement):
        """Published rules one of whose sources is the achievement's catalogue entry."""
        if achievement.catalogue_id is None:
            return cls.select().where(SQL("1 = 0"))
        sources = RuleSource.select(RuleSource.rule).where(RuleSource.catalogue == achievement.catalogue_id)
        return cls.published().where(cls.id.in_(sources)).order_by(cls.code)


class RuleSource(BaseModel):
    rule = ForeignKeyField(ConversionRule, backref="sources", on_delete="CASCADE")
    catalogue = ForeignKeyField(CatalogueAchievement, backref="rule_sources", on_delete="RESTRICT")
    credits = DecimalField(max_digits=6, decimal_places=1, null=True)

    class Meta:
        indexes = ((("rule", "catalogue"), True),)


class RuleTarget(BaseModel):
    rule = ForeignKeyField(ConversionRule, backref="targets", on_delete="CASCADE")
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
    rule = ForeignKeyField(ConversionRule, backref="batches", on_delete="RESTRICT")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now, index=True)
    reason = TextField(null=True)  # 不通过原因


class Application(BaseModel):
    """One table for every application, told apart by ``kind`` (recognition, learner
    conversion, performance conversion, institution batch). ``stage`` of a pending
    conversion follows from ``status``: pending → initial review, initial_passed → final."""

    # Decided by a review (initial pass only for learner conversions), or cancelled when
    # the achievement is withdrawn.
    STATES = StateMachine("status", {
        ApplicationStatus.PENDING: {
            ApplicationStatus.INITIAL_PASSED, ApplicationStatus.PASSED, ApplicationStatus.REFUSED,
            ApplicationStatus.CANCELLED,
        },
        ApplicationStatus.INITIAL_PASSED: {
            ApplicationStatus.PASSED, ApplicationStatus.REFUSED, ApplicationStatus.CANCELLED
        },
    })

    id = AutoField()
    kind = CharField(max_length=20, choices=ApplicationKind.choices(), index=True)
    learner = ForeignKeyField(User, backref="applications", on_delete="RESTRICT")
    achievement = ForeignKeyField(LearnerAchievement, backref="applications", on_delete="RESTRICT")
    rule = ForeignKeyField(ConversionRule, null=True, backref="applications", on_delete="RESTRICT")
    target = ForeignKeyField(CatalogueAchievement, null=True, on_delete="RESTRICT")  # performance path
    batch = ForeignKeyField(ConversionBatch, null=True, backref="applications", on_delete="RESTRICT")
    teaching_point = ForeignKeyField(Institution, null=True, on_delete="SET NULL", index=True)
    status = CharField(max_length=20, default=ApplicationStatus.PENDING, index=True)
    submitted_at = DateTimeField(default=now, index=True)
    decided_at = DateTimeField(null=True)
    certificate_code = CharField(max_length=32, null=True, unique=True)

    class Meta:
        # Review lists: one kind, 待审核 (a status) or 已审核 (any), newest first; for
        # a teaching point's reviewer within their point.
        indexes = (
            (("kind", "status", "submitted_at"), False),
            (("kind", "submitted_at"), False),
            (("teaching_point", "kind", "status", "submitted_at"), False),
            (("teaching_point", "kind", "submitted_at"), False),
            (("kind", "decided_at"), False),
            (("teaching_point", "kind", "decided_at"), False),
        )

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
