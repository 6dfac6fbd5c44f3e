"""Seed 000 §五 学位外语认定与转换, walked on the demo data as the manual does: 成果添加 →
职业资格证书 → search → choose 学士学位外语水平统一考试 → 证书编号, 发证时间 and the scan →
提交; 转换成果申请 → 申请转换 → choose the rule → 提交; 查看详情 shows the application. The demo
publishes a rule for the exam, so the chapter no longer ends at "暂无适用于该成果的已发布转换规则"."""
from flask import g

from models import Application, ApplicationStatus, CatalogueAchievement, Category, ConversionRule, LearnerAchievement
from services.seed import demo
from tests.learner.helpers import png


def test_the_degree_language_chapter_completes(app):
    demo.seed_demo()
    client = app.test_client()
    g.__dict__.clear()
    client.post("/login", data={"identity": "person", "identifier": "learner03", "password": demo.DEMO_PASSWORD})
    category = Category.get(Category.code == "qualification")
    assert client.get(f"/me/achievements/new?category={category.id}").status_code == 200
    found = client.get(f"/me/catalogue?category={category.id}&name=学士学位外语").get_json()
    catalogue_achievement = CatalogueAchievement.get(CatalogueAchievement.name == "广东省成人高等教育学士学位外语水平统一考试")
    assert [item["name"] for item in found["items"]] == [catalogue_achievement.name]
    added = client.post(f"/me/achievements/new?category={category.id}", data={
        "catalogue_id": str(catalogue_achievement.id), "f_certificate_no": "XWWY2021-0088",
        "f_obtained_on": "2021-11-20", "evidence": [png("成绩单.png")]}, content_type="multipart/form-data")
    assert added.status_code == 302
    row = LearnerAchievement.select().where(LearnerAchievement.catalogue == catalogue_achievement.id).order_by(
        LearnerAchievement.id.desc()).first()
    apply_page = client.get(f"/me/conversions/{row.id}/apply").get_data(as_text=True)
    assert "暂无适用于该成果的已发布转换规则" not in apply_page and "大学英语(2)" in apply_page
    rule_id = ConversionRule.get(ConversionRule.name == "学士学位外语水平统一考试合格转广东开放大学大学英语(2)课程").id
    sent = client.post(f"/me/conversions/{row.id}/apply", data={"rule": str(rule_id), "materials": [png("成绩单.png")]},
                       content_type="multipart/form-data")
    assert sent.status_code == 302
    application = Application.get(Application.achievement == row.id)
    assert application.status == ApplicationStatus.PENDING and application.rule_id == rule_id
    details = client.get(sent.location).get_data(as_text=True)
    assert "大学英语(2)" in details
