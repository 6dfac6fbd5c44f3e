"""机构成果管理: storing by type from the type's schema, authorisation, X certificates,
read-only catalogue achievements, delete only 未认定 (holders keep theirs), counts and links."""
import re

import pytest

from models import (
    AchievementStatus,
    CatalogueAchievement,
    Category,
    InstitutionAuthorisation,
    LearnerAchievement,
    RecognitionStatus,
)
from tests import factories

DIPLOMA_FORM = {
    "name": "会计学毕业证书(高职)",
    "f_issuer": "A学院",
    "f_level": "专科(高职)",
    "f_discipline": "管理学",
    "f_major_class": "财务会计类",
    "f_major": "会计",
    "f_conclusion": "毕业",
    "f_duration_years": "3",
    "f_hours": "2400",
    "f_credits": "150",
    "f_min_credits": "140",
    "valid_from": "2022-03-01",
    "intro": "三年制高职会计专业毕业证书",
}


def store_url(code):
    return f"/admin/inst_achievements/store/{Category.get(Category.code == code).id}/"


def test_store_new_achievement_from_the_type_form(spaces, client_as):
    client = client_as(spaces.a.admin)
    form_page = client.get(store_url("inst_voc_diploma")).get_data(as_text=True)
    for label in ("颁证机构", "层次", "毕业结论", "学制(年)", "最低毕业学分"):
        assert label in form_page
    response = client.post(store_url("inst_voc_diploma"), data=DIPLOMA_FORM)
    assert response.status_code == 302
    catalogue_achievement = CatalogueAchievement.get(CatalogueAchievement.name == "会计学毕业证书(高职)")
    assert catalogue_achievement.institution_id == spaces.a.institution.id
    assert catalogue_achievement.category.code == "inst_voc_diploma"
    assert catalogue_achievement.fields["major"] == "会计" and catalogue_achievement.fields["duration_years"] == 3
    assert catalogue_achievement.recognition_status == RecognitionStatus.UNRECOGNISED
    assert catalogue_achievement.created_by_id == spaces.a.admin.id
    details = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "财务会计类" in details and "2022-03-01" in details


def test_missing_required_fields_keep_the_input(spaces, client_as):
    client = client_as(spaces.a.admin)
    data = dict(DIPLOMA_FORM, f_major="", intro="")
    page = client.post(store_url("inst_voc_diploma"), data=data).get_data(as_text=True)
    assert "is-invalid" in page and "财务会计类" in page
    assert not CatalogueAchievement.select().where(CatalogueAchievement.name == DIPLOMA_FORM["name"]).exists()


CERT_FORM = {"name": "电工职业资格证书(中级)", "f_issuer": "A学院", "f_certificate_level": "中级",
             "f_occupation": "电工", "intro": "电工中级"}


def test_types_needing_authorisation_are_refused_until_granted(spaces, client_as):
    client = client_as(spaces.a.admin)
    url = store_url("inst_national_cert")
    refused = client.post(url, data=CERT_FORM, follow_redirects=True).get_data(as_text=True)
    assert "管理中心授权" in refused
    assert not CatalogueAchievement.select().where(CatalogueAchievement.name == CERT_FORM["name"]).exists()
    # Another institution's authorisation does not count.
    category = Category.get(Category.code == "inst_national_cert")
    InstitutionAuthorisation.create(institution=spaces.b.institution, category=category)
    client.post(url, data=CERT_FORM)
    assert not CatalogueAchievement.select().where(CatalogueAchievement.name == CERT_FORM["name"]).exists()
    InstitutionAuthorisation.create(institution=spaces.a.institution, category=category)
    assert client.post(url, data=CERT_FORM).status_code == 302
    assert CatalogueAchievement.get(CatalogueAchievement.name == CERT_FORM["name"]).institution_id == spaces.a.institution.id


def test_x_certificates_cannot_be_stored_by_hand(spaces, client_as):
    category = Category.get(Category.code == "inst_x_cert")
    InstitutionAuthorisation.create(institution=spaces.a.institution, category=category)
    client = client_as(spaces.a.admin)
    page = client.post(store_url("inst_x_cert"), data=CERT_FORM, follow_redirects=True).get_data(as_text=True)
    assert "不能手动存储" in page
    assert not CatalogueAchievement.select().where(CatalogueAchievement.category == category).exists()
    assert f"/store/{category.id}/" not in client.get("/admin/inst_achievements/store/").get_data(as_text=True)


def test_learner_types_are_not_storable_here(spaces, client_as):
    learner_type = Category.get(Category.code == "diploma")
    assert client_as(spaces.a.admin).get(f"/admin/inst_achievements/store/{learner_type.id}/").status_code == 404


def test_saved_achievements_are_read_only(spaces, client_as):
    client = client_as(spaces.a.admin)
    catalogue_achievement = spaces.a.catalogue_achievement
    client.post(f"/admin/inst_achievements/edit/?id={catalogue_achievement.id}", data={"name": "改名", "intro": "改"})
    after = CatalogueAchievement.get_by_id(catalogue_achievement.id)
    assert after.name == catalogue_achievement.name and after.intro == catalogue_achievement.intro
    assert "edit/?id=" not in client.get("/admin/inst_achievements/").get_data(as_text=True)


def test_delete_only_unrecognised_and_holders_keep_theirs(spaces, client_as):
    client = client_as(spaces.a.admin)
    a = spaces.a
    recognised = factories.make_catalogue("inst_he_diploma", institution=a.institution, name="已认定成果",
                                          recognition_status=RecognitionStatus.RECOGNISED)
    response = client.post(
        "/admin/inst_achievements/action/",
        data={"action": "delete", "rowid": [a.catalogue_achievement.id, recognised.id]}, follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert CatalogueAchievement.get_or_none(CatalogueAchievement.id == a.catalogue_achievement.id) is None
    assert CatalogueAchievement.get_or_none(CatalogueAchievement.id == recognised.id) is not None
    assert "已认定成果" in page  # the refusal names it
    held = LearnerAchievement.get_by_id(a.stored.id)
    assert held.catalogue_id is None and held.name == a.catalogue_achievement.name
    assert held.status == AchievementStatus.CATALOGUE


def test_list_counts_link_to_holders_and_rules(spaces, client_as):
    a = spaces.a
    other = factories.make_catalogue("qualification")
    factories.make_rule([a.catalogue_achievement], [other])
    page = client_as(a.admin).get("/admin/inst_achievements/").get_data(as_text=True)
    assert f'href="/admin/inst_learner_achievements/?catalogue={a.catalogue_achievement.id}">1</a>' in page
    assert f'/admin/inst_achievements/details/?id={a.catalogue_achievement.id}#rules">1</a>' in page
    details = client_as(a.admin).get(f"/admin/inst_achievements/details/?id={a.catalogue_achievement.id}")
    details = details.get_data(as_text=True)
    assert "转换规则" in details or "Related conversion rules" in details
    holders = client_as(a.admin).get(f"/admin/inst_learner_achievements/?catalogue={a.catalogue_achievement.id}")
    holders = holders.get_data(as_text=True)
    assert a.learner.real_name in holders


@pytest.mark.parametrize("kind, shown", [("degree", True), ("non_degree", False)])
def test_home_counts_link_to_the_filtered_list(spaces, client_as, kind, shown):
    client = client_as(spaces.a.admin)
    home = client.get("/admin/").get_data(as_text=True)
    assert 'data-count="achievements_degree" href="/admin/inst_achievements/?kind=degree">1<' in home
    assert 'data-count="learner_achievements">1<' not in home  # a link, not plain text
    listed = client.get(f"/admin/inst_achievements/?kind={kind}").get_data(as_text=True)
    assert (spaces.a.catalogue_achievement.name in listed) is shown


def test_home_counts_rules_by_status(spaces, client_as):
    from models import RuleStatus

    a = spaces.a
    target = factories.make_catalogue("inst_he_course", institution=a.institution)
    factories.make_rule([factories.make_catalogue("qualification")], [target])
    factories.make_rule([factories.make_catalogue("qualification")], [target], status=RuleStatus.DRAFT)
    factories.make_rule([factories.make_catalogue("qualification")], [spaces.b.catalogue_achievement])  # B's rule
    home = client_as(a.admin).get("/admin/").get_data(as_text=True)
    for key, value in (("rules", 2), ("rules_published", 1), ("rules_draft", 1), ("rules_withdrawn", 0)):
        assert re.search(rf'data-count="{key}"[^>]*>{value}<', home), key


def test_delete_button_only_on_unrecognised_rows(spaces, client_as):
    a = spaces.a
    recognised = factories.make_catalogue("inst_he_diploma", institution=a.institution,
                                          recognition_status=RecognitionStatus.RECOGNISED)
    page = client_as(a.admin).get("/admin/inst_achievements/").get_data(as_text=True)
    rows = {m.group(1): m.group(0) for m in re.finditer(r'value="(\d+)"[\s\S]*?</tr>', page)}
    assert "delete" in rows[str(a.catalogue_achievement.id)].lower()
    assert "delete_form" not in rows[str(recognised.id)] and "/delete/" not in rows[str(recognised.id)]
