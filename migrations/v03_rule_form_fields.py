"""Version 3: structured 免考模块 of rule targets; when a user read the publication
commitment."""
from peewee import DateTimeField

from migrations.tools import add_missing_columns
from models import JSONField

VERSION = 3


def upgrade(migrator):
    add_missing_columns(migrator, "rule_target", {"modules": JSONField(null=True)})
    add_missing_columns(migrator, "user", {"commitment_read_at": DateTimeField(null=True)})
