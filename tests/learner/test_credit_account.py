"""学分账户 (/me/credits): credits by framework level and kind, 转换路径 (complete / partial /
missing), another learner's data never shown, 申请转换 from a pathway."""
from decimal import Decimal

import pytest

from models import (
    AchievementStatus,
    Application,
    ApplicationKind,
    ApplicationStatus,
    CategoryKind,
    FrameworkLevel,
    RuleStatus,
)
from services.ledger import pathways
from tests import factories
from tests.learner.helpers import learner_with_point

pytestmark = pytest.mark.usefixtures("reference")


def level(n):
    return FrameworkLevel.get(FrameworkLevel.level == n)


@pytest.fixture
def world():
    """A learner holding A (level 3, 4 credits), B (level 3, 2.5) and D (level 5, degree, 6);
    C is not held; E is held but only under review. Rules: A→T1 (complete), A+B→T2 (complete),
    A+C→T3 (partial), C→T4 (nothing held), E→T5 (nothing usable held), A→T6 (draft)."""
    college = factories.make_institution(name="广东开放大学X")
    other = factories.make_institution(name="长沙理工大学X")
    cat = {name: factories.make_catalogue(name=name, credits=Decimal(c), framework_level=level(lv))
           for name, c, lv in (("A证书", "4", 3), ("B证书", "2.5", 3), ("C证书", "3", 4), ("E证书", "1", 2))}
    cat["D毕业证书"] = factories.make_catalogue("course", name="D毕业证书", credits=Decimal("6"), framework_level=level(5))
    targets = {n: factories.make_catalogue("course", institution=college if n != "T3" else other, name=f"目标课程{n}",
                                           credits=Decimal(credits))
               for n, credits in (("T1", "3"), ("T2", "5"), ("T3", "2"), ("T4", "4"), ("T5", "1"), ("T6", "9"))}
    learner = learner_with_point()
    held = {name: factories.make_achievement(learner, cat[name]) for name in ("A证书", "B证书", "D毕业证书")}
    factories.make_achievement(learner, cat["E证书"], status=AchievementStatus.UNDER_REVIEW)
    rules = {
        "complete": factories.make_rule([cat["A证书"]], [targets["T1"]], target_major="计算机应用"),
        "complete2": factories.make_rule([cat["A证书"], cat["B证书"]], [targets["T2"]], target_major="计算机应用"),
        "partial": factories.make_rule([cat["A证书"], cat["C证书"]], [targets["T3"]]),
        "missing": factories.make_rule([cat["C证书"]], [targets["T4"]]),
        "unusable": factories.make_rule([cat["E证书"]], [targets["T5"]]),
        "draft": factories.make_rule([cat["A证书"]], [targets["T6"]], status=RuleStatus.DRAFT),
    }
    return {"learner": learner, "cat": cat, "held": held, "rules": rules, "college": college, "other": other}


def test_credit_totals_by_level_and_kind(world):
    account = pathways.credit_account(world["learner"].id)
    assert account["total"] == pytest.approx(12.5) and account["count"] == 3
    by_level = {lv: (count, float(credits)) for lv, _name, count, credits in account["by_level"]}
    assert by_level == {3: (2, 6.5), 5: (1, 6.0)}  # E (under review) does not count
    by_kind = {kind: (count, float(credits)) for kind, _label, count, credits in account["by_kind"]}
    assert by_kind == {CategoryKind.NON_DEGREE: (2, 6.5), CategoryKind.DEGREE: (1, 6.0)}


def test_pathways_complete_partial_and_missing(world):
    result = pathways.pathways(world["learner"].id)
    shown = {rule.id: rule for rule in result.page.items}
    rules = world["rules"]
    assert set(shown) == {rules["complete"].id, rules["complete2"].id, rules["partial"].id}
    assert shown[rules["complete"].id].complete and shown[rules["complete2"].id].complete
    partial = shown[rules["partial"].id]
    assert not partial.complete and (partial.held, partial.source_total) == (1, 2)
    held_flags = {row.catalogue.name: bool(row.held_id) for row in partial.source_rows}
    assert held_flags == {"A证书": True, "C证书": False}
    assert float(shown[rules["complete2"].id].target_credits) == 5
    assert shown[rules["complete"].id].apply_from == world["held"]["A证书"].id
    assert [r.complete for r in result.page.items] == [True, True, False]  # complete ones first
    assert result.open == 2 and result.page.total == 3
    assert [r.state for r in result.page.items] == ["open", "open", "partial"]
    totals = {(name, major): row for name, major, *row in result.totals}
    assert totals[("广东开放大学X", "计算机应用")] == [2, 2, pytest.approx(8), pytest.approx(8)]
    assert totals[("长沙理工大学X", None)] == [1, 0, 0, pytest.approx(2)]


def test_the_page_shows_my_pathways_and_never_another_learners(world, client_as):
    stranger = learner_with_point()
    factories.make_achievement(stranger, world["cat"]["C证书"])
    page = client_as(world["learner"]).get("/me/credits").get_data(as_text=True)
    assert "学分账户" in page and "转换路径" in page and "12.5" in page
    assert page.count('data-complete="1"') == 2 and page.count('data-complete="0"') == 1
    assert "目标课程T4" not in page  # the stranger's pathway (C→T4)
    theirs = client_as(stranger).get("/me/credits").get_data(as_text=True)
    assert "目标课程T4" in theirs and "目标课程T1" not in theirs and "12.5" not in theirs
    # ?rule= of another learner's only rule shows nothing of theirs
    alone = client_as(world["learner"]).get(f"/me/credits?rule={world['rules']['missing'].id}").get_data(as_text=True)
    assert 'data-pathway=' not in alone


def test_apply_from_a_complete_pathway(world, client_as):
    client = client_as(world["learner"])
    rule = world["rules"]["complete2"]
    page = client.get("/me/credits").get_data(as_text=True)
    link = f"/me/conversions/{world['held']['A证书'].id}/apply?rule={rule.id}"
    assert link in page
    form = client.get(link).get_data(as_text=True)
    assert f'value="{rule.id}" checked' in form  # the rule comes chosen
    response = client.post(link.split("?")[0], data={"rule": rule.id})
    assert response.status_code == 302
    application = Application.get(Application.rule == rule)
    assert application.kind == ApplicationKind.CONVERSION and application.status == ApplicationStatus.PENDING
    assert application.learner_id == world["learner"].id and application.achievement_id == world["held"]["A证书"].id
    page = client.get("/me/credits").get_data(as_text=True)
    card = page.split(f'data-pathway="{rule.id}"')[1].split('data-pathway=')[0]
    assert "待审核" in card and "data-apply" not in card  # applied: progress instead of 申请转换


def test_pathways_are_paged(world, client_as):
    for _ in range(pathways.PAGE_SIZE + 2):
        factories.make_rule([world["cat"]["B证书"]], [factories.make_catalogue("course", institution=world["college"])])
    client = client_as(world["learner"])
    first = client.get("/me/credits").get_data(as_text=True)
    second = client.get("/me/credits?page=2").get_data(as_text=True)
    assert first.count("data-pathway=") == pathways.PAGE_SIZE
    assert second.count("data-pathway=") == 3 + pathways.PAGE_SIZE + 2 - pathways.PAGE_SIZE
    assert "1 / 2" in first


def test_credits_page_for_learners_only(world, client_as):
    assert client_as("center").get("/me/credits").status_code == 403
