"""A small ledger: a teaching point with its reviewer, a committee member, a college (A)
that stores a certificate for its learner, and a second college (B) whose rule converts
that certificate into its course — which a third rule of B converts on into a module."""
import datetime as dt
import io
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import FileStorage

from models import AchievementSource, Role, RuleType
from services import ledger
from tests import factories


def pdf(name="reason.pdf"):
    return FileStorage(io.BytesIO(factories.pdf_bytes()), filename=name)


@pytest.fixture
def ledger_world(app, reference):
    point = factories.make_teaching_point(name="广州教学点")
    a = factories.make_institution(name="A学院")
    b = factories.make_institution(name="B学院")
    certificate = factories.make_catalogue("inst_he_diploma", institution=a, name="A学院经济学毕业证书", credits=4)
    course = factories.make_catalogue("course", institution=b, name="B学院统计学", credits=3)
    module = factories.make_catalogue("course", institution=b, name="B学院统计学进阶模块", credits=2)
    rule = factories.make_rule([certificate], [course], institution=b, name="证书转统计学",
                               rule_type=RuleType.DEGREE_TO_DEGREE)
    onward = factories.make_rule([course], [module], institution=b, name="统计学转进阶模块",
                                 rule_type=RuleType.DEGREE_TO_DEGREE)
    learner = factories.make_learner(teaching_point=point, real_name="陈晓明", added_by_institution=a)
    stored = factories.make_achievement(learner, certificate, source=AchievementSource.INSTITUTION, stored_by=a,
                                        personal_code="A-0001", obtained_on=dt.date(2021, 6, 30))
    return SimpleNamespace(
        point=point, a=a, b=b, certificate=certificate, course=course, module=module, rule=rule, onward=onward,
        learner=learner, stored=stored,
        reviewer=factories.make_user("reviewer", institution=point, real_name="李老师"),
        committee=factories.make_user("committee", real_name="周教授"),
        center=factories.make_user("center", real_name="明主任"),
        a_admin=factories.make_user(Role.INSTITUTION, institution=a, real_name="A管理员"),
        b_admin=factories.make_user(Role.INSTITUTION, institution=b, real_name="B管理员"),
    )


def convert(world, achievement, rule):
    """A conversion through every stage of the ledger; returns the passed application."""
    application = ledger.submit_conversion(achievement, rule, world.learner)
    ledger.initial_review(application, world.reviewer, True, "教学点：广州教学点 审核人：李老师 意见：同意")
    return ledger.final_review(application, world.committee, True, "审核人：学分银行管理中心 周教授")
