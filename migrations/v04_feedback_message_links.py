"""Version 4: the 处理 of a problem-feedback message opened /admin/ (the home page): point
those messages at 问题反馈. They are the only messages institution accounts got with that
link."""
from models import db

VERSION = 4


def upgrade(_migrator):
    db.execute_sql(
        "UPDATE message SET link = '/admin/inst_feedback/' WHERE link = '/admin/' "
        "AND user_id IN (SELECT id FROM \"user\" WHERE role = 'institution')"
    )
