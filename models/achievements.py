"""Learner achievements (我的成果 / 学员成果) and the feedback learners give on stored ones."""
from peewee import (
    JOIN,
    SQL,
    AutoField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
    fn,
)

from models.accounts import Institution, User
from models.base import BaseModel, JSONField, Prepared, StateMachine, now
from models.catalogue import CatalogueAchievement, Category
from models.enums import AchievementSource, AchievementStatus, FeedbackStatus

# --- learner achievements ------------------------------------------------------------


class LearnerAchievement(BaseModel):
    """我的成果 / 学员成果: one learner's achievement, from the catalogue or not (非名录)."""

    # SPEC §4; any state but withdrawn may be withdrawn by the storing institution; a
    # learner taking back a recognition application returns it to 未申请; a target granted
    # by a conversion is revoked with it, and a later conversion grants a withdrawn or
    # revoked target again.
    STATES = StateMachine("status", {
        AchievementStatus.NOT_APPLIED: {AchievementStatus.UNDER_REVIEW, AchievementStatus.WITHDRAWN},
        AchievementStatus.REFUSED: {AchievementStatus.UNDER_REVIEW, AchievementStatus.WITHDRAWN},
        AchievementStatus.UNDER_REVIEW: {
            AchievementStatus.RECOGNISED, AchievementStatus.REFUSED, AchievementStatus.WITHDRAWN,
            AchievementStatus.NOT_APPLIED,
        },
        AchievementStatus.CATALOGUE: {AchievementStatus.WITHDRAWN, AchievementStatus.REVOKED},
        AchievementStatus.RECOGNISED: {AchievementStatus.WITHDRAWN, AchievementStatus.REVOKED},
        AchievementStatus.WITHDRAWN: {AchievementStatus.RECOGNISED},
        AchievementStatus.REVOKED: {AchievementStatus.RECOGNISED},
    })

    id = AutoField()
    learner = ForeignKeyField(User, backref="achievements", on_delete="RESTRICT")
    learner_id: int
    catalogue = ForeignKeyField(CatalogueAchievement, null=True, backref="holders", on_delete="SET NULL")
    catalogue_id: int | None
    category = ForeignKeyField(Category, on_delete="RESTRICT")
    name = CharField(max_length=200, index=True)
    institution = ForeignKeyField(Institution, null=True, on_delete="SET NULL")  # 来源机构
    institution_name = CharField(max_length=200, null=True)  # for 非名录 achievements
    fields = JSONField(default=dict)  # manual field values of the subcategory schema
    description = TextField(null=True)  # 成果描述
    status = CharField(max_length=20, choices=AchievementStatus.choices(), index=True)
    source = CharField(max_length=20, choices=AchievementSource.choices(), index=True)
    obtained_on = DateField(null=True)  # 取得时间 / 颁证日期
    personal_code = CharField(max_length=100, null=True)  # 个人成果编号
    # Duplicate certificates (services/records/duplicates.py): the certificate number normalised
    # (个人成果编号, else the 证书编号 / 电子注册号 field), and the earliest other row of the
    # same catalogue achievement with the same number, set when the row is written.
    certificate_key = CharField(max_length=100, null=True)
    duplicate_of = IntegerField(null=True)  # its list reads partial indexes (below the class)
    stored_by = ForeignKeyField(Institution, null=True, backref="stored_achievements", on_delete="SET NULL")
    stored_by_id: int | None
    import_batch = IntegerField(null=True)
    # The Application whose final pass granted this achievement (an id: the two tables
    # reference each other, and SQLite cannot add the second foreign key afterwards).
    granted_by = IntegerField(null=True, index=True)
    withdrawn_reason = TextField(null=True)
    withdrawn_at = DateTimeField(null=True)
    revoked_reason = TextField(null=True)  # why the conversion that granted it was revoked
    revoked_at = DateTimeField(null=True)
    created_at = DateTimeField(default=now, index=True)
    updated_at = DateTimeField(default=now)

    class Meta:
        # A learner holds one catalogue achievement once (NULL catalogue = 非名录, unlimited).
        # 学员成果 lists an institution's stored rows newest first; 机构成果 counts a
        # catalogue achievement's holders among them.
        indexes = (
            (("learner", "catalogue"), True),
            # A learner's own rows newest first, by name, and counted by state (thousands for
            # some: PostgreSQL would otherwise walk the name index past every other learner's).
            (("learner", "created_at", "id"), False),
            (("learner", "status"), False),
            (("learner", "name"), False),
            (("stored_by", "created_at"), False),
            (("stored_by", "name"), False),
            (("stored_by", "status"), False),
            # 学员成果 searched by a learner's name: the institution's rows of those learners.
            (("stored_by", "learner"), False),
            (("catalogue", "stored_by", "status"), False),
            (("catalogue", "certificate_key"), False),
        )

    def __str__(self):
        return self.name

    @property
    def source_institution_name(self):
        return self.institution.name if self.institution_id else (self.institution_name or "")

    @classmethod
    def source_institution_name_column(cls):
        """``source_institution_name`` as a column of a query joined to the institution (''
        a literal, not a parameter: a page's statement keeps only its own)."""
        return fn.COALESCE(Institution.name, cls.institution_name, SQL("''")).alias("source_institution_name")

    @classmethod
    def for_learner(cls, user):
        return cls.listed().where(cls.learner == user)

    @classmethod
    def listed(cls):
        """Every achievement with its category and institution, as the lists show them."""
        return (
            # The institution's name only: the lists show it (its other columns are many).
            cls.select(cls, Category, Institution.id, Institution.name)
            .join(Category)
            .switch(cls)
            .join(Institution, on=(cls.institution == Institution.id), join_type=JOIN.LEFT_OUTER)
        )

    @classmethod
    def status_counts(cls, user):
        """{status: count} of a learner's achievements (我的信息 asks on every visit)."""
        return dict(_STATUS_COUNTS.run(learner=getattr(user, "id", user)))


# COUNT(*), not COUNT(id): PostgreSQL then reads the counts from the (learner, status)
# index alone, without visiting a heavy learner's thousands of rows.
_STATUS_COUNTS = Prepared(lambda learner: LearnerAchievement.select(LearnerAchievement.status, fn.COUNT(SQL("*")))
                          .where(LearnerAchievement.learner == learner).group_by(LearnerAchievement.status).tuples(),
                          "learner", server=True)

# 重复证书 (admin/center/duplicates.py): partial indexes holding only the flagged rows serve
# the list's filter, count and both of its sorts, however large the table grows. Each
# holds every column the list's search and filter test, and the id (which PostgreSQL does
# not keep in an index by itself), so whichever the planner takes reads the flagged rows
# from the index alone, never the table's rows (migrations/v16_cover_the_duplicates_list.py).
DUPLICATES_INDEXES = {  # name: columns, each WHERE duplicate_of IS NOT NULL
    "learner_achievement_duplicates_listed":
        ("created_at", "learner_id", "certificate_key", "stored_by_id", "duplicate_of", "id"),
    "learner_achievement_duplicates_by_number":
        ("certificate_key", "created_at", "learner_id", "stored_by_id", "duplicate_of", "id"),
}
for _name, _columns in DUPLICATES_INDEXES.items():
    LearnerAchievement.add_index(LearnerAchievement.index(
        *(LearnerAchievement._meta.columns[column] for column in _columns),
        where=SQL("duplicate_of IS NOT NULL"), name=_name))


class Feedback(BaseModel):
    """问题反馈 from a learner on an achievement an institution stored."""

    STATES = StateMachine("status", {FeedbackStatus.OPEN: {FeedbackStatus.RESOLVED, FeedbackStatus.REJECTED}})

    id = AutoField()
    learner = ForeignKeyField(User, backref="feedback", on_delete="RESTRICT")
    learner_id: int
    achievement = ForeignKeyField(LearnerAchievement, backref="feedback", on_delete="RESTRICT")
    institution = ForeignKeyField(Institution, backref="feedback", on_delete="RESTRICT")
    institution_id: int
    content = TextField()
    status = CharField(max_length=20, default=FeedbackStatus.OPEN, index=True)
    reply = TextField(null=True)
    handled_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    handled_at = DateTimeField(null=True)
    created_at = DateTimeField(default=now, index=True)

    class Meta:
        indexes = ((("institution", "created_at"), False),)
