"""Two institutions with data of every kind the institution space shows: A (whose
users act) and B (whose ids A's users forge)."""
import datetime as dt
from types import SimpleNamespace

import pytest

from models import (
    AccountStatus,
    AchievementSource,
    Attachment,
    Feedback,
    ImportBatch,
    Message,
    Permission,
    Role,
    UserPermission,
)
from tests import factories

PDF = factories.pdf_bytes()


def make_space(label):
    """An institution with its admin account, an achievement stored for an active learner,
    a 未激活 learner it added, feedback, a message, a sub-user and an import record."""
    institution = factories.make_institution(name=f"{label}学院")
    admin = factories.make_user(Role.INSTITUTION, institution=institution, real_name=f"{label}管理员")
    catalogue_achievement = factories.make_catalogue("inst_he_diploma", institution=institution,
                                                     name=f"{label}经济学毕业证书", fields={"issuer": f"{label}学院"})
    learner = factories.make_learner(real_name=f"{label}学员", added_by_institution=institution)
    stored = factories.make_achievement(
        learner, catalogue_achievement, source=AchievementSource.INSTITUTION, stored_by=institution,
        personal_code=f"{label}-P001", obtained_on=dt.date(2022, 3, 1),
    )
    inactive = factories.make_learner(real_name=f"{label}未激活学员", status=AccountStatus.INACTIVE,
                                      added_by_institution=institution, phone=None, password=None)
    feedback = Feedback.create(learner=learner, achievement=stored, institution=institution,
                               content=f"{label}反馈：发证日期有误")
    message = Message.create(user=admin, title=f"{label}消息标题", body=f"{label}消息内容", link="/admin/")
    subuser = factories.make_user(Role.SUBUSER, institution=institution, username=f"{label.lower()}sub1",
                                  real_name=f"{label}子用户")
    batch = ImportBatch.create(kind="learner_achievements", operator=admin, institution=institution,
                               target_id=catalogue_achievement.id, filename=f"{label}导入.xlsx", accepted=1, rejected=1)
    result = Attachment.create(owner_type="import", owner_id=batch.id, purpose="rejected",
                               original_name=f"{label}失败.xlsx", stored_name=f"{label.lower()}-{batch.id}.xlsx",
                               size=1, mime="application/octet-stream", sha256="0" * 64)
    ImportBatch.update(rejected_file=result).where(ImportBatch.id == batch.id).execute()
    return SimpleNamespace(
        institution=institution, admin=admin, catalogue_achievement=catalogue_achievement, learner=learner,
        stored=stored, inactive=inactive, feedback=feedback, message=message, subuser=subuser, batch=batch,
        result=result,
    )


@pytest.fixture
def spaces(app, reference):
    a = make_space("A")
    b = make_space("B")
    return SimpleNamespace(a=a, b=b)


def grant(user, *codes):
    for code in codes:
        UserPermission.create(user=user, permission=code)


@pytest.fixture
def few_permissions_subuser(spaces):
    """A sub-user of A who may use only 机构成果 and 我的消息."""
    user = spaces.a.subuser
    grant(user, Permission.ACHIEVEMENTS, Permission.MESSAGES)
    return user


def pdf_upload(name="reason.pdf"):
    import io

    return (io.BytesIO(PDF), name)
