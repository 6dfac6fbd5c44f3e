"""Peewee models for the whole credit-bank domain, their enums and named queries.

Statuses are stored as short English codes; their Chinese (or English) labels come
from Babel through each enum's ``label()``. Status fields are never edited through
forms: they change only in ``services.workflow`` (see README, "State changes").
"""
import datetime as dt
import json
import operator
from functools import reduce

from flask_babel import lazy_gettext as _l
from peewee import (
    JOIN,
    SQL,
    AutoField,
    BooleanField,
    Cast,
    CharField,
    DatabaseProxy,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
    fn,
)

db = DatabaseProxy()


def now():
    return dt.datetime.now().replace(microsecond=0)


class Choice(str):
    """A stored code that also carries its translatable label: ``Role.LEARNER == "learner"``."""

    def __new__(cls, value, label):
        member = super().__new__(cls, value)
        member.label = label
        return member


class Choices:
    """An enum of stored codes with labels: ``CODE = Choice("code", _l("Label"))``."""

    @classmethod
    def members(cls):
        return [v for k, v in vars(cls).items() if k.isupper() and isinstance(v, Choice)]

    @classmethod
    def codes(cls):
        return [str(m) for m in cls.members()]

    @classmethod
    def choices(cls):
        return [(str(m), m.label) for m in cls.members()]

    @classmethod
    def label(cls, value):
        return dict(cls.choices()).get(value, value or "")


class JSONField(TextField):
    """JSON stored as text: portable across SQLite and PostgreSQL."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def python_value(self, value):
        return None if value is None else json.loads(value)

    def key_text(self, key):
        """SQL for the text under ``key`` of the stored object, on either database."""
        if "postgres" in type(db.obj).__name__.lower():
            return fn.json_extract_path_text(Cast(self, "json"), key)
        return fn.json_extract(self, f"$.{key}")


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


# --- enums -----------------------------------------------------------------------------


class Role(Choices):
    LEARNER = Choice("learner", _l("Learner"))
    CENTER = Choice("center", _l("Center staff"))
    REVIEWER = Choice("reviewer", _l("Teaching-point administrator"))
    COMMITTEE = Choice("committee", _l("Committee member"))
    INSTITUTION = Choice("institution", _l("Institution account"))
    SUBUSER = Choice("subuser", _l("Institution sub-user"))


STAFF_ROLES = {Role.CENTER, Role.REVIEWER, Role.COMMITTEE}
INSTITUTION_ROLES = {Role.INSTITUTION, Role.SUBUSER}


class AccountStatus(Choices):
    INACTIVE = Choice("inactive", _l("Not activated"))
    ACTIVE = Choice("active", _l("Activated"))
    DISABLED = Choice("disabled", _l("Disabled"))


class Gender(Choices):
    MALE = Choice("male", _l("Male"))
    FEMALE = Choice("female", _l("Female"))


class IdType(Choices):
    MAINLAND_ID = Choice("id_card", _l("Resident ID card"))
    PASSPORT = Choice("passport", _l("Passport"))
    HK_MACAO = Choice("hk_macao", _l("Mainland travel permit for HK/Macao residents"))
    TAIWAN = Choice("taiwan", _l("Mainland travel permit for Taiwan residents"))


class InstitutionKind(Choices):
    COLLEGE = Choice("college", _l("College"))
    TRAINING = Choice("training", _l("Training body"))
    EXAM = Choice("exam", _l("Examination body"))
    TEACHING_POINT = Choice("teaching_point", _l("Teaching point"))
    REVIEW_BODY = Choice("review_body", _l("Review body"))
    PROVINCE_DEPT = Choice("province_dept", _l("Provincial education department"))


class InstitutionStatus(Choices):
    UNREGISTERED = Choice("unregistered", _l("Not registered"))
    DRAFT = Choice("draft", _l("Registration draft"))
    PENDING = Choice("pending", _l("Awaiting approval"))
    REFUSED = Choice("refused", _l("Registration not approved"))
    ACTIVE = Choice("active", _l("Active"))
    DISABLED = Choice("disabled", _l("Disabled"))


class CategoryKind(Choices):
    DEGREE = Choice("degree", _l("Degree education"))
    NON_DEGREE = Choice("non_degree", _l("Non-degree education"))
    INFORMAL = Choice("informal", _l("Informal learning"))


class CategoryScope(Choices):
    LEARNER = Choice("learner", _l("Learner categories"))
    INSTITUTION = Choice("institution", _l("Institution types"))


class Level(Choices):
    """层次: the seven education levels. ``NAMES`` are their Chinese names as field schemas
    (the 层次 option lists) and spreadsheets spell them, whatever the UI language."""

    PRIMARY = Choice("primary", _l("Primary school"))
    JUNIOR = Choice("junior", _l("Junior secondary"))
    SENIOR = Choice("senior", _l("Senior secondary (vocational)"))
    ASSOCIATE = Choice("associate", _l("Associate (higher vocational)"))
    BACHELOR = Choice("bachelor", _l("Bachelor"))
    MASTER = Choice("master", _l("Master"))
    DOCTOR = Choice("doctor", _l("Doctorate"))

    NAMES = {
        PRIMARY: "小学",
        JUNIOR: "初中",
        SENIOR: "高中(中职/中技)",
        ASSOCIATE: "专科(高职)",
        BACHELOR: "本科",
        MASTER: "硕士",
        DOCTOR: "博士",
    }

    @classmethod
    def code_of(cls, name):
        """The code of the level with this Chinese name (None for none)."""
        return next((str(code) for code, known in cls.NAMES.items() if known == name), None)


class RecognitionStatus(Choices):
    """认定状态 of a catalogue achievement."""

    UNRECOGNISED = Choice("unrecognised", _l("Not recognised"))
    RECOGNISING = Choice("recognising", _l("Being recognised"))
    RECOGNISED = Choice("recognised", _l("Recognised"))


class AchievementStatus(Choices):
    """成果状态 of a learner achievement (SPEC §4)."""

    CATALOGUE = Choice("catalogue", _l("Catalogue achievement"))
    NOT_APPLIED = Choice("not_applied", _l("Not applied"))
    UNDER_REVIEW = Choice("under_review", _l("Under recognition"))
    RECOGNISED = Choice("recognised", _l("Recognised"))
    REFUSED = Choice("refused", _l("Recognition refused"))
    WITHDRAWN = Choice("withdrawn", _l("Withdrawn"))


class AchievementSource(Choices):
    SELF = Choice("self", _l("Self-added"))
    INSTITUTION = Choice("institution", _l("Stored by institution"))
    IMPORT = Choice("import", _l("Imported"))
    CONVERSION = Choice("conversion", _l("Obtained by conversion"))


class PublishStatus(Choices):
    """States of a conversion method."""

    UNPUBLISHED = Choice("unpublished", _l("Unpublished"))
    PUBLISHED = Choice("published", _l("Published"))


class RuleStatus(Choices):
    DRAFT = Choice("draft", _l("Not submitted"))
    PUBLISHED = Choice("published", _l("Published"))
    WITHDRAWN = Choice("withdrawn", _l("Taken down"))


class RuleType(Choices):
    NON_DEGREE_TO_DEGREE = Choice("nd2d", _l("Non-degree to degree"))
    DEGREE_TO_NON_DEGREE = Choice("d2nd", _l("Degree to non-degree"))
    DEGREE_TO_DEGREE = Choice("d2d", _l("Degree to degree"))
    NON_DEGREE_TO_NON_DEGREE = Choice("nd2nd", _l("Non-degree to non-degree"))


class ApplicationKind(Choices):
    RECOGNITION = Choice("recognition", _l("Recognition"))
    CONVERSION = Choice("conversion", _l("Learner conversion"))
    PERFORMANCE = Choice("performance", _l("Performance conversion"))
    BATCH = Choice("batch", _l("Institution batch conversion"))


class ApplicationStatus(Choices):
    PENDING = Choice("pending", _l("Pending review"))
    INITIAL_PASSED = Choice("initial_passed", _l("Initial review passed"))
    PASSED = Choice("passed", _l("Review passed"))
    REFUSED = Choice("refused", _l("Review not passed"))
    CANCELLED = Choice("cancelled", _l("Cancelled"))


class ReviewStage(Choices):
    RECOGNITION = Choice("recognition", _l("Recognition review"))
    INITIAL = Choice("initial", _l("Conversion initial review"))
    FINAL = Choice("final", _l("Conversion final review"))
    PERFORMANCE = Choice("performance", _l("Performance conversion review"))
    BATCH = Choice("batch", _l("Institution review"))


class Decision(Choices):
    AGREE = Choice("agree", _l("Agree"))
    DISAGREE = Choice("disagree", _l("Disagree"))


class ActivationStatus(Choices):
    """账户审核 of an e-mail activation request (manual 003)."""

    PENDING = Choice("pending", _l("Awaiting account review"))
    APPROVED = Choice("approved", _l("Review passed"))
    REFUSED = Choice("refused", _l("Review not passed"))


class FeedbackStatus(Choices):
    OPEN = Choice("open", _l("Unresolved"))
    RESOLVED = Choice("resolved", _l("Resolved"))
    REJECTED = Choice("rejected", _l("Rejected"))


class ArticleKind(Choices):
    NEWS = Choice("news", _l("News"))
    GUIDE = Choice("guide", _l("Business guide"))
    REGULATION = Choice("regulation", _l("Regulations"))


class ArticleStatus(Choices):
    DRAFT = Choice("draft", _l("Draft"))
    PUBLISHED = Choice("published", _l("Published"))


class SmsStatus(Choices):
    PENDING = Choice("pending", _l("Waiting to be sent"))
    SENDING = Choice("sending", _l("Sending"))
    SENT = Choice("sent", _l("Sent"))
    FAILED = Choice("failed", _l("Not delivered"))


class SmsPurpose(Choices):
    REGISTER = Choice("register", _l("Registration"))
    ACTIVATE = Choice("activate", _l("Activation"))
    RESET_PASSWORD = Choice("reset_password", _l("Password reset"))
    CHANGE_PASSWORD = Choice("change_password", _l("Password change"))
    CHANGE_PHONE = Choice("change_phone", _l("Phone change"))
    EXPORT = Choice("export", _l("Export"))
    LOGIN = Choice("login", _l("Login"))
    NOTICE = Choice("notice", _l("Notice"))


class Permission(Choices):
    """Menus an institution sub-user may be granted (用户管理)."""

    ACHIEVEMENTS = Choice("achievements", _l("Institution achievements"))
    LEARNER_ACHIEVEMENTS = Choice("learner_achievements", _l("Learner achievements"))
    LEARNER_ACCOUNTS = Choice("learner_accounts", _l("Learner accounts"))
    FEEDBACK = Choice("feedback", _l("Feedback"))
    METHODS = Choice("methods", _l("Conversion methods"))
    RULES = Choice("rules", _l("Conversion rules"))
    REVIEWS = Choice("reviews", _l("Conversion application review"))
    RECORDS = Choice("records", _l("Conversion records"))
    MESSAGES = Choice("messages", _l("My messages"))


# --- organisations and people --------------------------------------------------------


class Institution(BaseModel):
    """Any organisation: colleges, training and exam bodies, teaching points, review
    bodies and provincial education departments (the parents of colleges)."""

    id = AutoField()
    name = CharField(max_length=200, index=True)
    kind = CharField(max_length=20, choices=InstitutionKind.choices(), index=True)
    department = ForeignKeyField("self", null=True, backref="members", on_delete="RESTRICT")
    status = CharField(max_length=20, default=InstitutionStatus.ACTIVE, index=True)
    school_code = CharField(max_length=20, null=True, unique=True)  # 学校代码 / 机构代码
    identifier_code = CharField(max_length=20, null=True)  # 院校标识码
    credit_code = CharField(max_length=18, null=True)  # 统一社会信用代码
    supervisor = CharField(max_length=100, null=True)  # 主管单位
    school_type = CharField(max_length=50, null=True)  # 学校类型
    legal_representative = CharField(max_length=50, null=True)
    contact_name = CharField(max_length=50, null=True)
    contact_phone = CharField(max_length=20, null=True)
    contact_email = CharField(max_length=100, null=True)
    postal_code = CharField(max_length=6, null=True)
    address = CharField(max_length=200, null=True)
    business_scope = TextField(null=True)
    intro = TextField(null=True)
    registration_draft = JSONField(null=True)  # 保存 of the registration wizard
    created_at = DateTimeField(default=now)

    def __str__(self):
        return self.name

    @classmethod
    def teaching_points(cls):
        return cls.select().where(cls.kind == InstitutionKind.TEACHING_POINT).order_by(cls.name)


class User(BaseModel):
    """Every person who logs in; ``role`` says which kind. Learner profile fields are
    empty for staff; ``institution`` is the employer of institution users and reviewers
    (a teaching point); ``teaching_point`` is the learner's own teaching point."""

    id = AutoField()
    role = CharField(max_length=20, choices=Role.choices())
    username = CharField(max_length=50, null=True, unique=True)
    real_name = CharField(max_length=50, index=True)
    password_hash = CharField(max_length=255, null=True)
    status = CharField(max_length=20, default=AccountStatus.ACTIVE)
    must_change_password = BooleanField(default=False)
    # The interface language the person chose (?lang=); notifications to them use it.
    locale = CharField(max_length=10, null=True)
    phone = CharField(max_length=20, null=True, unique=True)
    email = CharField(max_length=100, null=True, unique=True)
    id_type = CharField(max_length=20, default=IdType.MAINLAND_ID)
    id_number = CharField(max_length=32, null=True, unique=True)
    nationality = CharField(max_length=50, null=True)
    ethnicity = CharField(max_length=50, null=True)
    gender = CharField(max_length=10, null=True)
    birth_date = DateField(null=True)
    province = CharField(max_length=50, null=True)
    city = CharField(max_length=50, null=True)
    district = CharField(max_length=50, null=True)
    address = CharField(max_length=200, null=True)
    department = CharField(max_length=100, null=True)  # committee members' 部门
    institution = ForeignKeyField(Institution, null=True, backref="users", on_delete="RESTRICT")
    teaching_point = ForeignKeyField(Institution, null=True, backref="learners", on_delete="SET NULL")
    # The institution that created this learner account (学员账户管理 lists these).
    added_by_institution = ForeignKeyField(
        Institution, null=True, backref="added_learners", on_delete="SET NULL"
    )
    created_at = DateTimeField(default=now, index=True)
    last_login_at = DateTimeField(null=True)
    # When this person first read the 信息发布安全承诺书 to the end (methods and rules).
    commitment_read_at = DateTimeField(null=True)

    class Meta:
        # Lists filter by role, then account status. Each list's filter + sort (issue
        # 13): 学员账户 by status newest first, a teaching point's or an institution's
        # learners newest first, by name or by status. Not (role, …): nearly every user
        # is a learner, and SQLite (no per-value statistics) would take a role index
        # for selective.
        indexes = (
            (("role", "status"), False),
            (("status", "created_at"), False),
            (("teaching_point", "created_at"), False),
            (("added_by_institution", "created_at"), False),
            (("added_by_institution", "real_name"), False),
            (("added_by_institution", "status"), False),
        )

    def __str__(self):
        return self.real_name or self.username or f"#{self.id}"

    # Flask-Login protocol
    @property
    def is_authenticated(self):
        return True

    @property
    def is_active(self):
        return self.status != AccountStatus.DISABLED

    @property
    def is_anonymous(self):
        return False

    def get_id(self):
        return str(self.id)

    def has_role(self, *roles):
        return self.role in set(roles)


# Usernames and e-mail addresses are unique whatever their case ("LEARNER" is "learner"):
# the database enforces it with unique indexes on their lower-case forms.
User.add_index(User.index(fn.LOWER(User.username), unique=True, name="user_username_lower"))
User.add_index(User.index(fn.LOWER(User.email), unique=True, name="user_email_lower"))


class UserPermission(BaseModel):
    """A menu an institution sub-user may use."""

    user = ForeignKeyField(User, backref="permissions", on_delete="CASCADE")
    permission = CharField(max_length=30, choices=Permission.choices())

    class Meta:
        indexes = ((("user", "permission"), True),)


# --- taxonomy and catalogue ----------------------------------------------------------


class Category(BaseModel):
    """成果大类 (parent is null) and 成果小类 (with a parent). A subcategory carries its
    form schema as data: ``field_schema`` is a list of
    ``{"name", "label", "type", "source": "catalogue"|"manual", "required", "options"}``
    and ``evidence`` a list of ``{"label", "required"}``."""

    id = AutoField()
    name = CharField(max_length=50)
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    scope = CharField(max_length=20, default=CategoryScope.LEARNER, index=True)
    kind = CharField(max_length=20, choices=CategoryKind.choices(), index=True)
    code = CharField(max_length=50, unique=True)
    sort_order = IntegerField(default=0)
    field_schema = JSONField(default=list)
    evidence = JSONField(default=list)
    # Institution types: storing by hand needs the center's authorisation / is not allowed.
    requires_authorisation = BooleanField(default=False)
    manual_storage = BooleanField(default=True)
    # Which learner subcategory an institution type appears under in 成果选择.
    learner_category = ForeignKeyField("self", null=True, backref="institution_types", on_delete="SET NULL")
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("parent", "name"), True),)

    def __str__(self):
        return self.name

    @property
    def is_informal(self):
        return self.kind == CategoryKind.INFORMAL

    def catalogue_fields(self):
        return [f for f in self.field_schema or [] if f.get("source") == "catalogue"]

    def manual_fields(self):
        return [f for f in self.field_schema or [] if f.get("source") == "manual"]

    # Catalogue fields that name the body issuing the achievement (颁发机构, 职业技能鉴定机构名称,
    # 培训机构, 学校名称); a schema the center adds may mark others with "issuer": true.
    ISSUER_FIELDS = frozenset({"issuer", "appraisal_body", "training_body", "school_name"})

    def issuer_fields(self):
        return [f for f in self.catalogue_fields() if f["name"] in self.ISSUER_FIELDS or f.get("issuer")]

    @classmethod
    def issuer_field_names(cls):
        """Every issuing-body field name of any schema (one small query)."""
        names = set()
        for category in cls.select(cls.id, cls.field_schema):
            names.update(f["name"] for f in category.issuer_fields())
        return sorted(names)

    @classmethod
    def roots(cls, scope=CategoryScope.LEARNER):
        return cls.select().where(cls.parent.is_null(), cls.scope == scope).order_by(cls.sort_order, cls.id)


class InstitutionAuthorisation(BaseModel):
    """The center allows an institution to store achievements of one type by hand."""

    institution = ForeignKeyField(Institution, backref="authorisations", on_delete="CASCADE")
    category = ForeignKeyField(Category, on_delete="CASCADE")
    granted_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    granted_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("institution", "category"), True),)


class FrameworkLevel(BaseModel):
    """广东终身教育资历框架 level 1..7 with its descriptors."""

    level = IntegerField(unique=True)
    name = CharField(max_length=20)
    knowledge = TextField()
    skills = TextField()
    competence = TextField()

    def __str__(self):
        return self.name


class ImmutableError(Exception):
    """Raised when code tries to change a saved catalogue achievement."""


class CatalogueAchievement(BaseModel):
    """名录成果 / 机构成果. Saved entries are immutable except for the fields in
    ``MUTABLE_FIELDS`` (status flags changed by named actions): delete and re-create."""

    MUTABLE_FIELDS = frozenset({"recognition_status", "disabled"})

    id = AutoField()
    project_name = CharField(max_length=200, index=True)  # 项目名称
    name = CharField(max_length=200, index=True)  # 成果名称
    institution = ForeignKeyField(Institution, backref="catalogue", on_delete="RESTRICT")
    category = ForeignKeyField(Category, backref="catalogue", on_delete="RESTRICT")
    fields = JSONField(default=dict)  # values of the subcategory's catalogue fields
    level = CharField(max_length=20, null=True, choices=Level.choices())
    credits = DecimalField(max_digits=6, decimal_places=1, null=True)  # 学分银行学分
    framework_level = ForeignKeyField(FrameworkLevel, null=True, on_delete="SET NULL")
    valid_from = DateField(null=True)
    intro = TextField(null=True)
    recognition_status = CharField(max_length=20, default=RecognitionStatus.UNRECOGNISED, index=True)
    disabled = BooleanField(default=False, index=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now, index=True)

    class Meta:
        only_save_dirty = True
        indexes = ((("institution", "created_at"), False),)  # 机构成果, newest first

    def __str__(self):
        return self.name

    def save(self, force_insert=False, only=None):
        if self._pk is not None and not force_insert:
            changed = set(only or []) | set(self.dirty_fields_names())
            forbidden = changed - self.MUTABLE_FIELDS
            if forbidden:
                raise ImmutableError(f"catalogue achievement {self._pk} is immutable: {sorted(forbidden)}")
        return super().save(force_insert=force_insert, only=only)

    def dirty_fields_names(self):
        return [f.name if hasattr(f, "name") else f for f in self.dirty_fields]

    @classmethod
    def update(cls, __data=None, **update):
        fields = {getattr(k, "name", k) for k in {**(__data or {}), **update}}
        forbidden = fields - cls.MUTABLE_FIELDS
        if forbidden:
            raise ImmutableError(f"catalogue achievements are immutable: {sorted(forbidden)}")
        return super().update(__data, **update)

    @property
    def issuing_body(self):
        """资历机构名称 as the picker shows it: the entry's issuing-body field, else its institution."""
        for spec in self.category.issuer_fields():
            if (self.fields or {}).get(spec["name"]):
                return str(self.fields[spec["name"]])
        return self.institution.name

    @property
    def holder_category_id(self):
        """The learner subcategory a holder's achievement gets: institution types map to one."""
        return self.category.learner_category_id or self.category_id

    @classmethod
    def search(cls, project=None, name=None, institution=None, category=None):
        """成果选择: the three combinable criteria of the learner's picker."""
        query = (
            cls.select(cls, Institution, Category)
            .join(Institution)
            .switch(cls)
            .join(Category)
            .where(~cls.disabled)
            .order_by(cls.project_name, cls.name, cls.id)
        )
        if project:
            query = query.where(cls.project_name.contains(project))
        if name:
            query = query.where(cls.name.contains(name))
        if institution:
            # 资历机构名称: the institution row, or any issuing-body field of the entry (the
            # manuals' "教育部考试中心" is the 职业技能鉴定机构名称 of entries another body holds).
            matches = [cls.fields.key_text(key).contains(institution) for key in Category.issuer_field_names()]
            query = query.where(reduce(operator.or_, matches, Institution.name.contains(institution)))
        if category is not None:
            types = Category.select(Category.id).where(Category.learner_category == category)
            query = query.where((cls.category == category) | cls.category.in_(types))
        return query


# --- files ---------------------------------------------------------------------------


class Attachment(BaseModel):
    """A stored file (evidence, review material, rule PDF, reason file, import result).
    ``owner_type``/``owner_id`` name the record it belongs to; access follows that record."""

    id = AutoField()
    owner_type = CharField(max_length=30)
    owner_id = IntegerField(null=True)
    purpose = CharField(max_length=30, default="evidence")
    original_name = CharField(max_length=255)
    stored_name = CharField(max_length=100, unique=True)
    size = IntegerField()
    mime = CharField(max_length=100)
    sha256 = CharField(max_length=64, index=True)
    uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("owner_type", "owner_id"), False),)

    def __str__(self):
        return self.original_name

    @classmethod
    def of(cls, owner_type, owner_id, purpose=None):
        query = cls.select().where(cls.owner_type == owner_type, cls.owner_id == owner_id)
        if purpose:
            query = query.where(cls.purpose == purpose)
        return query.order_by(cls.id)

    @property
    def is_image(self):
        return self.mime.startswith("image/")


# --- conversion methods and rules ----------------------------------------------------


class ConversionMethod(BaseModel):
    """转换办法: an institution's stamped policy PDF; one published per institution."""

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


# --- learner achievements and applications -------------------------------------------


class LearnerAchievement(BaseModel):
    """我的成果 / 学员成果: one learner's achievement, from the catalogue or not (非名录)."""

    id = AutoField()
    learner = ForeignKeyField(User, backref="achievements", on_delete="RESTRICT")
    catalogue = ForeignKeyField(CatalogueAchievement, null=True, backref="holders", on_delete="SET NULL")
    category = ForeignKeyField(Category, on_delete="RESTRICT")
    name = CharField(max_length=200, index=True)
    institution = ForeignKeyField(Institution, null=True, on_delete="SET NULL")  # 来源机构
    institution_name = CharField(max_length=200, null=True)  # for 非名录 entries
    fields = JSONField(default=dict)  # manual field values of the subcategory schema
    description = TextField(null=True)  # 成果描述
    status = CharField(max_length=20, choices=AchievementStatus.choices(), index=True)
    source = CharField(max_length=20, choices=AchievementSource.choices(), index=True)
    obtained_on = DateField(null=True)  # 取得时间 / 颁证日期
    personal_code = CharField(max_length=100, null=True)  # 个人成果编号
    stored_by = ForeignKeyField(Institution, null=True, backref="stored_achievements", on_delete="SET NULL")
    import_batch = IntegerField(null=True)
    # The Application whose final pass granted this achievement (an id: the two tables
    # reference each other, and SQLite cannot add the second foreign key afterwards).
    granted_by = IntegerField(null=True, index=True)
    withdrawn_reason = TextField(null=True)
    withdrawn_at = DateTimeField(null=True)
    created_at = DateTimeField(default=now, index=True)
    updated_at = DateTimeField(default=now)

    class Meta:
        # A learner holds one catalogue entry once (NULL catalogue = 非名录, unlimited).
        # 学员成果 lists an institution's stored rows newest first; 机构成果 counts an
        # entry's holders among them.
        indexes = (
            (("learner", "catalogue"), True),
            (("stored_by", "created_at"), False),
            (("stored_by", "name"), False),
            (("stored_by", "status"), False),
            (("catalogue", "stored_by", "status"), False),
        )

    def __str__(self):
        return self.name

    @property
    def source_institution_name(self):
        return self.institution.name if self.institution_id else (self.institution_name or "")

    @classmethod
    def for_learner(cls, user):
        return (
            cls.select(cls, Category, Institution)
            .join(Category)
            .switch(cls)
            .join(Institution, on=(cls.institution == Institution.id), join_type=JOIN.LEFT_OUTER)
            .where(cls.learner == user)
        )

    @classmethod
    def status_counts(cls, user):
        rows = cls.select(cls.status, fn.COUNT(cls.id)).where(cls.learner == user).group_by(cls.status).tuples()
        return dict(rows)


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


class Feedback(BaseModel):
    """问题反馈 from a learner on an achievement an institution stored."""

    id = AutoField()
    learner = ForeignKeyField(User, backref="feedback", on_delete="RESTRICT")
    achievement = ForeignKeyField(LearnerAchievement, backref="feedback", on_delete="RESTRICT")
    institution = ForeignKeyField(Institution, backref="feedback", on_delete="RESTRICT")
    content = TextField()
    status = CharField(max_length=20, default=FeedbackStatus.OPEN, index=True)
    reply = TextField(null=True)
    handled_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    handled_at = DateTimeField(null=True)
    created_at = DateTimeField(default=now, index=True)

    class Meta:
        indexes = ((("institution", "created_at"), False),)


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
        return cls.select().where(cls.user == user, cls.read_at.is_null()).count()


class SmsOutbox(BaseModel):
    id = AutoField()
    phone = CharField(max_length=20, index=True)
    body = TextField()
    purpose = CharField(max_length=30, default=SmsPurpose.NOTICE, index=True)
    backend = CharField(max_length=20)
    created_at = DateTimeField(default=now, index=True)
    # Delivery by the job consumer (services.sms_gateway): pending → sending → sent / failed.
    status = CharField(max_length=10, default=SmsStatus.PENDING, index=True)
    attempts = IntegerField(default=0)
    sent_at = DateTimeField(null=True)
    error = CharField(max_length=500, null=True)


class EmailOutbox(BaseModel):
    """E-mails the platform owes someone. There is no mail gateway yet: messages wait
    here (and in the inbox) for a worker that delivers them, as SMS do in ``sms_outbox``."""

    id = AutoField()
    email = CharField(max_length=100, index=True)
    subject = CharField(max_length=200)
    body = TextField()
    created_at = DateTimeField(default=now, index=True)


class ActivationRequest(BaseModel):
    """激活 by e-mail (manual 003): an imported learner without a bound phone gives an
    e-mail address and a password; the center's account review (审核通过 / 审核不通过 with
    a reason) activates the account or says why not. One pending request per account."""

    id = AutoField()
    user = ForeignKeyField(User, backref="activation_requests", on_delete="CASCADE")
    email = CharField(max_length=100)
    password_hash = CharField(max_length=255)
    status = CharField(max_length=20, default=ActivationStatus.PENDING, index=True)
    reason = TextField(null=True)
    submitted_at = DateTimeField(default=now, index=True)
    decided_at = DateTimeField(null=True)
    decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")


ActivationRequest.add_index(
    ActivationRequest.index(
        ActivationRequest.user, unique=True, where=SQL("status = 'pending'"), name="activation_request_one_pending"
    )
)


class VerificationCode(BaseModel):
    """SMS verification code: stored hashed, 10 minutes, 5 attempts (SPEC §12)."""

    id = AutoField()
    phone = CharField(max_length=20)
    purpose = CharField(max_length=30)
    code_hash = CharField(max_length=128)
    attempts = IntegerField(default=0)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("phone", "purpose", "created_at"), False),)


class ThrottleHit(BaseModel):
    """One counted attempt (a failed login, an SMS code request) for services.throttle;
    kept in the database so every worker process sees the same counts."""

    id = AutoField()
    scope = CharField(max_length=20)
    key = CharField(max_length=100)
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("scope", "key", "created_at"), False),)


class UserSession(BaseModel):
    """One logged-in session (services.sessions): the cookie carries a random token whose
    hash is kept here, so a session can be ended server-side (logout, password change,
    disable). ``stamp`` fingerprints the credentials the session was opened with
    (password hash, role, status, institution): a change of any ends it."""

    id = AutoField()
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    stamp = CharField(max_length=64)
    created_at = DateTimeField(default=now)
    last_seen_at = DateTimeField(default=now)


class ImportBatch(BaseModel):
    """导入记录: who imported what, the counts, and the two result workbooks."""

    id = AutoField()
    kind = CharField(max_length=50, index=True)
    operator = ForeignKeyField(User, null=True, on_delete="SET NULL")
    institution = ForeignKeyField(Institution, null=True, backref="imports", on_delete="RESTRICT")
    target_id = IntegerField(null=True)  # e.g. the institution achievement learners are stored under
    filename = CharField(max_length=255)
    accepted = IntegerField(default=0)
    rejected = IntegerField(default=0)
    accepted_file = ForeignKeyField(Attachment, null=True, on_delete="SET NULL")
    rejected_file = ForeignKeyField(Attachment, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now, index=True)


class JobStatus(Choices):
    QUEUED = Choice("queued", _l("Queued"))
    RUNNING = Choice("running", _l("Running"))
    DONE = Choice("done", _l("Done"))
    FAILED = Choice("failed", _l("Failed"))


class Job(BaseModel):
    """A large import or an export handed to the job consumer (services/excel/background.py):
    who asked, on which list view, how far it has come, and what it produced."""

    id = AutoField()
    kind = CharField(max_length=20)  # import / export
    user = ForeignKeyField(User, on_delete="CASCADE")
    view = CharField(max_length=50)  # the admin view's endpoint, whose pages show the job
    params = JSONField(default=dict)
    status = CharField(max_length=10, default=JobStatus.QUEUED)
    stage = CharField(max_length=20, default="queued")  # reading / validating / writing / done
    done = IntegerField(default=0)
    total = IntegerField(null=True)
    result_batch = ForeignKeyField(ImportBatch, null=True, on_delete="SET NULL")
    result_file = ForeignKeyField(Attachment, null=True, on_delete="SET NULL")
    error = CharField(max_length=500, null=True)
    created_at = DateTimeField(default=now, index=True)
    finished_at = DateTimeField(null=True)


class AuditLog(BaseModel):
    id = AutoField()
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    action = CharField(max_length=50, index=True)
    object_type = CharField(max_length=50, null=True)
    object_id = IntegerField(null=True)
    details = JSONField(null=True)
    ip = CharField(max_length=45, null=True)
    created_at = DateTimeField(default=now, index=True)

    class Meta:
        indexes = ((("object_type", "object_id"), False),)  # 审计日志 search and a record's history


class Article(BaseModel):
    """Portal content: 资讯中心, 业务指南, 规章制度."""

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


class SchemaVersion(BaseModel):
    version = IntegerField()
    applied_at = DateTimeField(default=now)


MODELS = [
    Institution,
    User,
    UserPermission,
    Category,
    InstitutionAuthorisation,
    FrameworkLevel,
    CatalogueAchievement,
    Attachment,
    ConversionMethod,
    ConversionRule,
    RuleSource,
    RuleTarget,
    LearnerAchievement,
    ConversionBatch,
    Application,
    ReviewRecord,
    Feedback,
    Message,
    SmsOutbox,
    EmailOutbox,
    ActivationRequest,
    VerificationCode,
    ThrottleHit,
    UserSession,
    ImportBatch,
    Job,
    AuditLog,
    Article,
    SchemaVersion,
]
