"""Version 13: the credential signing keys and the status-list bits of issued verifiable
credentials."""
import datetime as dt

from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField

from models import User, db

VERSION = 13


class _CredentialTableV13(Model):
    id = AutoField()
    created_at = DateTimeField(default=dt.datetime.now)

    class Meta:
        database = db


class _SigningKeyV13(_CredentialTableV13):
    kid = CharField(max_length=64, unique=True)
    public_jwk = TextField()
    private_key = TextField()

    class Meta:
        table_name = "signing_key"


class _IssuedCredentialV13(_CredentialTableV13):
    subject_type = CharField(max_length=20)
    subject_id = IntegerField()
    learner = ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    status_list = IntegerField()
    status_index = IntegerField()

    class Meta:
        table_name = "issued_credential"
        indexes = ((("subject_type", "subject_id"), True), (("status_list", "status_index"), True))


def upgrade(_migrator):
    db.create_tables([_SigningKeyV13, _IssuedCredentialV13], safe=True)
