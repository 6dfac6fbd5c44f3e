"""Version 30: 审计日志 entries of 修改头像 written before the fix name their object 用户.
They were written with the signed-in person's proxy and kept its type, "LocalProxy", which
the list showed as it stands (services/core/audit.py now records the user behind it)."""
from models import AuditLog

VERSION = 30


def upgrade(migrator):
    AuditLog.update(object_type="User").where(AuditLog.object_type == "LocalProxy").execute()
