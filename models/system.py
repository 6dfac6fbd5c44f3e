"""Stored files, imports, jobs, the audit log and the schema version."""
from peewee import (
    AutoField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from models.accounts import Institution, User
from models.base import BaseModel, JSONField, StateMachine, now
from models.enums import JobStatus

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
    uploaded_by_id: int | None
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


class ImportBatch(BaseModel):
    """导入记录: who imported what, the counts, and the two result workbooks."""

    id = AutoField()
    kind = CharField(max_length=50, index=True)
    operator = ForeignKeyField(User, null=True, on_delete="SET NULL")
    institution = ForeignKeyField(Institution, null=True, backref="imports", on_delete="RESTRICT")
    institution_id: int | None
    target_id = IntegerField(null=True)  # e.g. the institution achievement learners are stored under
    filename = CharField(max_length=255)
    accepted = IntegerField(default=0)
    rejected = IntegerField(default=0)
    accepted_file = ForeignKeyField(Attachment, null=True, on_delete="SET NULL")
    rejected_file = ForeignKeyField(Attachment, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now, index=True)


class Job(BaseModel):
    """A large import or an export handed to the job consumer (services/excel/as_jobs.py):
    who asked, on which list view, how far it has come, and what it produced.

    A running job is held under a lease (services/background/jobs.py): its consumer renews
    ``heartbeat_at``; a job whose consumer died is queued again from its start (the work is
    all-or-nothing) or, after too many interruptions, failed with a message. Every write of
    a run names its ``attempt``, so a run that lost its lease (cancelled, or given to another
    consumer) changes nothing."""

    STATES = StateMachine("status", {
        JobStatus.QUEUED: {JobStatus.RUNNING, JobStatus.CANCELLED},
        JobStatus.RUNNING: {JobStatus.DONE, JobStatus.FAILED, JobStatus.QUEUED, JobStatus.CANCELLED},
        JobStatus.FAILED: {JobStatus.QUEUED},
        JobStatus.CANCELLED: {JobStatus.QUEUED},
    })

    id = AutoField()
    kind = CharField(max_length=20)  # import / export
    user = ForeignKeyField(User, on_delete="CASCADE")
    view = CharField(max_length=50)  # the admin view's endpoint, whose pages show the job
    params = JSONField(default=dict)
    status = CharField(max_length=10, default=JobStatus.QUEUED, index=True)
    stage = CharField(max_length=20, default="queued")  # reading / validating / writing / done
    done = IntegerField(default=0)
    total = IntegerField(null=True)
    result_batch = ForeignKeyField(ImportBatch, null=True, on_delete="SET NULL")
    result_file = ForeignKeyField(Attachment, null=True, on_delete="SET NULL")
    error = CharField(max_length=500, null=True)
    created_at = DateTimeField(default=now, index=True)
    finished_at = DateTimeField(null=True)
    attempt = IntegerField(default=0)  # runs started so far (the lease's fencing number)
    interrupted = IntegerField(default=0)  # runs lost with their consumer since the last retry
    worker = CharField(max_length=100, null=True)  # host:pid of the consumer running it
    heartbeat_at = DateTimeField(null=True)
    queued_at = DateTimeField(null=True)  # last handed to the queue


class ConsumerHeartbeat(BaseModel):
    """A job consumer that is alive says so every few seconds (services/background/jobs.py);
    ``/healthz`` and 后台任务 read it."""

    id = AutoField()
    name = CharField(max_length=100, unique=True)  # host:pid
    started_at = DateTimeField(default=now)
    seen_at = DateTimeField(default=now, index=True)


class AuditLog(BaseModel):
    id = AutoField()
    user = ForeignKeyField(User, null=True, on_delete="SET NULL", index=False)  # (user, id) below
    action = CharField(max_length=50, index=True)
    object_type = CharField(max_length=50, null=True)
    object_id = IntegerField(null=True)
    details = JSONField(null=True)
    ip = CharField(max_length=45, null=True)
    created_at = DateTimeField(default=now)

    class Meta:
        # 审计日志 lists entries in time order, newest first, read from these in order.
        indexes = (
            (("object_type", "object_id"), False),  # 审计日志 search and a record's history
            (("created_at", "id"), False),
            (("user", "created_at", "id"), False),  # filtered by a user
        )


class SchemaVersion(BaseModel):
    version = IntegerField()
    applied_at = DateTimeField(default=now)


class SigningKey(BaseModel):
    """An Ed25519 key the platform signs verifiable credentials with (services/credentials):
    the newest signs, every one stays published at /.well-known/jwks.json so what it
    signed still verifies. The private half is an encrypted PKCS#8 PEM (a passphrase
    derived from SECRET_KEY) and is never served."""

    id = AutoField()
    kid = CharField(max_length=64, unique=True)  # RFC 7638 thumbprint of the public key
    public_jwk = JSONField()
    private_key = TextField()
    created_at = DateTimeField(default=now)


class IssuedCredential(BaseModel):
    """The bit of the revocation status list (Bitstring Status List) that stands for one
    recognised achievement or one passed conversion, whichever credential of it is
    downloaded; the bit is set while that record is withdrawn, revoked or gone."""

    id = AutoField()
    subject_type = CharField(max_length=20)  # "achievement" (LearnerAchievement) or "conversion" (Application)
    subject_id = IntegerField()
    learner = ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    status_list = IntegerField()
    status_index = IntegerField()
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = (
            (("subject_type", "subject_id"), True),
            (("status_list", "status_index"), True),
        )
