"""Regression: the center's rule 修改 answered 500 (``'RuleSource' object has no attribute
'project_name'``) on a saved 未提交 rule and on a 下架 rule."""
import json

import pytest

from models import ConversionRule, RuleSource, RuleStatus
from services.ledger import rules
from tests import factories


@pytest.mark.parametrize("status", [RuleStatus.DRAFT, RuleStatus.WITHDRAWN])
def test_the_center_opens_and_saves_the_edit_form_of_an_editable_rule(center, status):
    college = factories.make_institution(name="广东开放大学")
    factories.make_method(college)
    source = factories.make_catalogue(name="全国计算机等级考试一级证书")
    target = factories.make_catalogue("inst_ce_course", institution=college, name="计算机应用基础",
                                      fields={"course_name": "计算机应用基础", "course_code": "GK00101",
                                              "hours": "54", "credits": "3"})
    rule = rules.create_rule(college, center.user, [(source, None)], [(target, None)], name="一级证书转计算机应用基础",
                             rule_type="nd2d", commitment_accepted=True)
    ConversionRule.update(status=status).where(ConversionRule.id == rule.id).execute()

    page = center.get(f"/admin/center_rules/edit/?id={rule.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # The pickers carry the chosen catalogue achievements (as JSON in the select2 input).
    assert json.dumps("全国计算机等级考试一级证书")[1:-1] in html and json.dumps("计算机应用基础")[1:-1] in html

    response = center.post(f"/admin/center_rules/edit/?id={rule.id}", data={
        "institution": str(college.id), "name": "改名后的规则", "rule_type": "nd2d", "sources": str(source.id),
        "courses": str(target.id), "commitment": "y", "target_level": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    assert ConversionRule.get_by_id(rule.id).name == "改名后的规则"
    assert [s.catalogue_id for s in RuleSource.select().where(RuleSource.rule == rule.id)] == [source.id]
