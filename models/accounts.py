"""Organisations and people: institutions, users and their menus, sessions, codes, activation requests."""
from peewee import (
    SQL,
    AutoField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DoubleField,
    ForeignKeyField,
    IntegerField,
    TextField,
    fn,
)

from models.base import BaseModel, JSONField, StateMachine, now
from models.enums import (
    AccountStatus,
    ActivationStatus,
    ApiTokenScope,
    IdType,
    InstitutionKind,
    InstitutionStatus,
    Permission,
    Role,
)

# --- organisations and people --------------------------------------------------------


class Institution(BaseModel):
    """Any organisation: colleges, training and exam bodies, teaching points, review
    bodies and provincial education departments (the parents of colleges)."""

    STATES = StateMachine("status", {
        InstitutionStatus.UNREGISTERED: {InstitutionStatus.DRAFT, InstitutionStatus.DISABLED},
        # A college without an account is claimed (→ draft) by the registration wizard.
        InstitutionStatus.ACTIVE: {InstitutionStatus.DRAFT, InstitutionStatus.DISABLED},
        InstitutionStatus.DRAFT: {InstitutionStatus.PENDING, InstitutionStatus.DISABLED},
        InstitutionStatus.PENDING: {
            InstitutionStatus.ACTIVE, InstitutionStatus.REFUSED, InstitutionStatus.DRAFT, InstitutionStatus.DISABLED
        },
        InstitutionStatus.REFUSED: {InstitutionStatus.PENDING, InstitutionStatus.DRAFT},
        InstitutionStatus.DISABLED: {InstitutionStatus.ACTIVE},
    })

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

    # Learners, staff, institution accounts and sub-users alike.
    STATES = StateMachine("status", {
        AccountStatus.INACTIVE: {AccountStatus.ACTIVE, AccountStatus.DISABLED},
        AccountStatus.ACTIVE: {AccountStatus.DISABLED},
        AccountStatus.DISABLED: {AccountStatus.ACTIVE},
    })

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
    institution_id: int | None
    teaching_point = ForeignKeyField(Institution, null=True, backref="learners", on_delete="SET NULL")
    teaching_point_id: int | None
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
            (("added_by_institution", "status", "created_at"), False),
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


class ActivationRequest(BaseModel):
    """激活 by e-mail (manual 003): an imported learner without a bound phone gives an
    e-mail address and a password; the center's account review (审核通过 / 审核不通过 with
    a reason) activates the account or says why not. One pending request per account."""

    STATES = StateMachine("status", {ActivationStatus.PENDING: {ActivationStatus.APPROVED, ActivationStatus.REFUSED}})

    id = AutoField()
    user = ForeignKeyField(User, backref="activation_requests", on_delete="CASCADE")
    user_id: int
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
    """One counted attempt (a failed login, an SMS code request) for services.accounts.throttle;
    kept in the database so every worker process sees the same counts."""

    id = AutoField()
    scope = CharField(max_length=20)
    key = CharField(max_length=100)
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("scope", "key", "created_at"), False),)


class ThrottlePace(BaseModel):
    """A key's pace against a rate (services.accounts.throttle.pace): the moment, in seconds
    since the epoch, its calls would be due if they had come one per interval. One row a key,
    so a call costs one UPDATE however many calls its window holds."""

    id = AutoField()
    scope = CharField(max_length=20)
    key = CharField(max_length=100)
    due = DoubleField()

    class Meta:
        indexes = ((("scope", "key"), True),)


class UserSession(BaseModel):
    """One logged-in session (web.sessions): the cookie carries a random token whose
    hash is kept here, so a session can be ended server-side (logout, password change,
    disable). ``stamp`` fingerprints the credentials the session was opened with
    (password hash, role, status, institution): a change of any ends it."""

    id = AutoField()
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    stamp = CharField(max_length=64)
    created_at = DateTimeField(default=now)
    last_seen_at = DateTimeField(default=now)


class ApiToken(BaseModel):
    """接口令牌 of an institution for /api/v1/: only the SHA-256 of the token is kept (it
    is shown once, at creation); revoked tokens stay listed with their date."""

    id = AutoField()
    institution = ForeignKeyField(Institution, backref="api_tokens", on_delete="RESTRICT")
    institution_id: int
    name = CharField(max_length=100)
    scope = CharField(max_length=10, choices=ApiTokenScope.choices())
    token_hash = CharField(max_length=64, unique=True)
    hint = CharField(max_length=12)  # the token's first characters, to tell tokens apart
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now)
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)
    revoked_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("institution", "created_at"), False),)  # 接口令牌, newest first
