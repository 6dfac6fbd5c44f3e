"""Two institutions for the API tests, each with tokens and data of every kind the API
returns: A (whose tokens call) and B (whose rows A's tokens must never see or change).

Applications: a learner's conversion under each one's rule (received by it alone), a
batch that A initiated under B's rule (initiated for A, received for B), a decided one
with its review records and certificate code."""
import datetime as dt
from types import SimpleNamespace

import pytest

from models import (
    AchievementSource,
    Application,
    ApplicationKind,
    ApplicationStatus,
    ConversionBatch,
    Decision,
    InstitutionKind,
    ReviewRecord,
    ReviewStage,
    Role,
    RuleStatus,
)
from services.accounts import api_tokens
from tests import factories


def make_side(label, exam):
    institution = factories.make_institution(name=f"{label}学院")
    admin = factories.make_user(Role.INSTITUTION, institution=institution, real_name=f"{label}管理员")
    catalogue_achievement = factories.make_catalogue("inst_he_diploma", institution=institution, name=f"{label}经济学毕业证书")
    target = factories.make_catalogue("inst_he_diploma", institution=institution, name=f"{label}会计学课程")
    learner = factories.make_learner(real_name=f"{label}学员", added_by_institution=institution)
    stored = factories.make_achievement(learner, catalogue_achievement, source=AchievementSource.INSTITUTION,
                                        stored_by=institution, personal_code=f"{label}-P001",
                                        obtained_on=dt.date(2022, 3, 1))
    rule = factories.make_rule([exam], [target], institution=institution, name=f"{label}转换规则")
    draft = factories.make_rule([exam], [target], institution=institution, status=RuleStatus.DRAFT,
                                name=f"{label}未提交规则")
    exam_holding = factories.make_achievement(learner, exam, personal_code=f"{label}-X001")
    own = make_application(learner, exam_holding, rule, ApplicationKind.CONVERSION)
    write_row, write = api_tokens.create(institution.id, f"{label}写令牌", "write", admin)
    read_row, read = api_tokens.create(institution.id, f"{label}读令牌", "read", admin)
    return SimpleNamespace(
        label=label, institution=institution, admin=admin, catalogue_achievement=catalogue_achievement,
        target=target, learner=learner, stored=stored, rule=rule, draft=draft, own=own, write=write, read=read,
        write_row=write_row, read_row=read_row,
    )


def make_application(learner, achievement, rule, kind, status=ApplicationStatus.PENDING, batch=None, **fields):
    return Application.create(kind=kind, learner=learner, achievement=achievement, rule=rule, status=status,
                              batch=batch, **fields)


@pytest.fixture
def world(app, reference):
    exam = factories.make_catalogue("qualification", institution=factories.make_institution(InstitutionKind.EXAM),
                                    name="会计专业技术资格")
    a, b = make_side("A", exam), make_side("B", exam)
    # A initiates a batch under B's rule for its learner's achievement of A's catalogue achievement.
    rule_b_from_a = factories.make_rule([a.catalogue_achievement], [b.target], institution=b.institution,
                                        name="B接收A成果规则")
    batch = ConversionBatch.create(institution=a.institution, rule=rule_b_from_a, created_by=a.admin)
    initiated = make_application(a.learner, a.stored, rule_b_from_a, ApplicationKind.BATCH, batch=batch)
    # A decided one of its received applications: review records and a certificate code.
    decided = make_application(
        factories.make_learner(real_name="A已审学员"), a.stored, a.rule, ApplicationKind.CONVERSION,
        status=ApplicationStatus.PASSED, decided_at=dt.datetime(2025, 5, 2, 10, 0), certificate_code="CERTA0001",
        submitted_at=dt.datetime(2025, 5, 1, 9, 0),
    )
    ReviewRecord.create(application=decided, stage=ReviewStage.INITIAL, decision=Decision.AGREE, opinion="初审同意",
                        created_at=dt.datetime(2025, 5, 1, 12, 0))
    ReviewRecord.create(application=decided, stage=ReviewStage.FINAL, decision=Decision.AGREE, opinion="终审同意",
                        created_at=dt.datetime(2025, 5, 2, 10, 0))
    refused_b = make_application(b.learner, b.stored, b.rule, ApplicationKind.CONVERSION,
                                 status=ApplicationStatus.REFUSED, decided_at=dt.datetime(2025, 6, 1),
                                 certificate_code=None)
    return SimpleNamespace(a=a, b=b, exam=exam, initiated=initiated, decided=decided, refused_b=refused_b,
                           rule_b_from_a=rule_b_from_a)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def api_endpoints(app):
    """(method, path) of every /api/v1/ route but the OpenAPI document: new endpoints are
    covered by the token tests without being listed here."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((method, rule.rule))
    return sorted(found)
