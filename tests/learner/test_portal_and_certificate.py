"""规则查询 (public), the conversion certificate PDF and /verify/<code>."""
import subprocess

import pytest

from models import Application, ApplicationKind, ApplicationStatus, RuleStatus, RuleType, now
from services.ledger import grants
from tests import factories
from tests.learner.helpers import learner_with_point

pytestmark = pytest.mark.usefixtures("reference")


@pytest.fixture
def rules(app):
    college = factories.make_institution(name="广东开放大学")
    other = factories.make_institution(name="广州番禺职业技术学院")
    source = factories.make_catalogue(name="全国计算机等级考试一级证书")
    published = factories.make_rule([source], [factories.make_catalogue(category_code="course", name="计算机应用基础",
                                                                        institution=college)],
                                    name="一级证书转计算机应用基础", description="免修计算机应用基础课程")
    typed = factories.make_rule([factories.make_catalogue()], [factories.make_catalogue(institution=other)],
                                name="电商证书互认", rule_type=RuleType.NON_DEGREE_TO_NON_DEGREE)
    draft = factories.make_rule([source], [factories.make_catalogue(institution=college)], name="草稿规则",
                                status=RuleStatus.DRAFT)
    return published, typed, draft


def test_rule_query_lists_published_rules_and_filters(client, rules):
    published, typed, draft = rules
    page = client.get("/rules").get_data(as_text=True)
    assert published.name in page and typed.name in page and draft.name not in page
    page = client.get("/rules?q=一级证书").get_data(as_text=True)  # keyword on the source achievement too
    assert published.name in page and typed.name not in page
    page = client.get(f"/rules?institution={typed.institution_id}").get_data(as_text=True)
    assert typed.name in page and published.name not in page
    page = client.get("/rules?type=nd2nd").get_data(as_text=True)
    assert typed.name in page and published.name not in page


def test_rule_detail_names_who_interprets_it(client, rules):
    published, _typed, draft = rules
    page = client.get(f"/rules/{published.id}").get_data(as_text=True)
    assert "全国计算机等级考试一级证书" in page and "计算机应用基础" in page and "免修计算机应用基础课程" in page
    assert "本转换规则的解释权归广东开放大学所有" in page
    assert client.get(f"/rules/{draft.id}").status_code == 404


def test_learners_see_the_rule_query_in_their_menu(client_as, rules):
    page = client_as(learner_with_point()).get("/rules").get_data(as_text=True)
    assert "转换成果申请" in page and "一级证书转计算机应用基础" in page


def passed_conversion(learner, rule):
    """A passed conversion as its grant leaves it: with its certificate code."""
    row = factories.make_achievement(learner, rule.sources.get().catalogue)
    return Application.create(kind=ApplicationKind.CONVERSION, learner=learner, achievement=row, rule=rule,
                              status=ApplicationStatus.PASSED, decided_at=now(), certificate_code=grants.mint_code())


def test_the_certificate_pdf_embeds_a_cjk_font_and_verifies(client_as, rules, tmp_path):
    published = rules[0]
    learner = learner_with_point(real_name="李小明")
    application = passed_conversion(learner, published)
    client = client_as(learner)
    response = client.get(f"/me/applications/{application.id}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    code = application.certificate_code
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "李小明" in text and code in text and "计算机应用基础" in text and published.code in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYiZenHei" in fonts and " yes " in fonts  # embedded
    # Printing again keeps the code minted at the grant.
    client.get(f"/me/applications/{application.id}/certificate.pdf")
    assert Application.get_by_id(application.id).certificate_code == code
    anonymous = client_as(learner_with_point())  # any other person, even logged in elsewhere
    page = anonymous.get(f"/verify/{code}").get_data(as_text=True)
    assert "该转换证明真实有效" in page and "李**" in page and "计算机应用基础" in page


def test_unknown_codes_and_other_learners_certificates(client, client_as, rules):
    application = passed_conversion(learner_with_point(), rules[0])
    response = client.get("/verify/NOSUCHCODE")
    assert response.status_code == 404 and "未找到验证码为" in response.get_data(as_text=True)
    intruder = client_as(learner_with_point())
    assert intruder.get(f"/me/applications/{application.id}/certificate.pdf").status_code == 404
    assert Application.get_by_id(application.id).certificate_code == application.certificate_code


def test_no_certificate_before_the_conversion_passed(client_as, rules):
    learner = learner_with_point()
    application = passed_conversion(learner, rules[0])
    Application.update(status=ApplicationStatus.PENDING).where(Application.id == application.id).execute()
    assert client_as(learner).get(f"/me/applications/{application.id}/certificate.pdf").status_code == 404
