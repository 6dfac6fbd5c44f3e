"""The demo data set: demo institutions, logins, catalogue, rules, learners and their
history, portal articles. Reference data (categories, framework levels, colleges) is in
``services/seed/reference.py``; ``seed_demo`` loads it first.

Everything is keyed by a natural key and created only when missing, so running
``seed-demo`` twice leaves the same rows. The names come from the manuals (SPEC §3).
"""
import datetime as dt
import secrets
from decimal import Decimal

from models import (
    AchievementSource,
    AchievementStatus,
    Application,
    ApplicationKind,
    ApplicationStatus,
    CatalogueAchievement,
    Category,
    ConversionMethod,
    ConversionRule,
    Decision,
    Feedback,
    FrameworkLevel,
    Institution,
    InstitutionKind,
    LearnerAchievement,
    Level,
    Permission,
    PublishStatus,
    RecognitionStatus,
    ReviewRecord,
    ReviewStage,
    Role,
    RuleSource,
    RuleStatus,
    RuleTarget,
    RuleType,
    User,
    UserPermission,
    db,
    now,
)
from services import ledger
from services.accounts import permissions, users
from services.ledger import grants
from services.records.validators import id_birth_date, id_check_char, id_gender
from services.seed import reference
from services.seed.demo_portal import seed_portal
from services.seed.reference import _upsert, seed_reference  # noqa: F401 - demo.seed_reference is public

DEMO_PASSWORD = "Demo@2026"


# --- demo data -------------------------------------------------------------------------

K = InstitutionKind
INSTITUTIONS = [
    ("广东省教育厅", K.PROVINCE_DEPT, None, "GDEDU"),
    ("教育部教育考试院", K.EXAM, None, "NEEA01"),
    ("广东省教育考试院", K.EXAM, "广东省教育厅", "GDEEA1"),
    ("广东开放大学", K.COLLEGE, "广东省教育厅", "51161"),
    ("广东理工职业学院", K.COLLEGE, "广东省教育厅", "14263"),
    ("长沙理工大学", K.COLLEGE, None, "10536"),
    ("成果试点机构", K.TRAINING, None, "xfyh00001"),
    ("华为技术有限公司", K.TRAINING, None, "HW0001"),
    ("广东老年大学", K.TRAINING, "广东省教育厅", "GDLN01"),
    ("广东开放大学广州教学点", K.TEACHING_POINT, None, "TP-GZ"),
    ("广东开放大学佛山教学点", K.TEACHING_POINT, None, "TP-FS"),
    ("学分银行专业认定委员会", K.REVIEW_BODY, None, "CMT01"),
]

def _course(project, name, institution, category_code, course_code, major, hours, credits, level):
    """A college's 专科(高职) course: the institution form's fields and the learner form's."""
    fields = {"school_name": institution, "course_name": name, "course_code": course_code, "major": major,
              "level": "专科(高职)", "hours": str(hours), "credits": str(credits), "course_credits": str(credits)}
    return (project, name, institution, category_code, fields, str(credits), level)


# (project, name, institution, subcategory catalogue field values, credits, framework level).
# Colleges' diplomas and courses are institution types (SPEC §2, 004); their values also fill
# the learner form's catalogue fields (学校名称, 课程学分, 类型, 等级), which holders see under
# their learner subcategory. 学位证书 and 技师教育 have no institution type and stay as they are.
CATALOGUE = [
    ("全国计算机等级考试", "全国计算机等级考试一级证书", "教育部教育考试院", "qualification",
     {"appraisal_body": "教育部考试中心", "certificate_level": "一级", "occupation": "计算机应用", "education": "不限"}, "2", 2),
    ("全国计算机等级考试", "全国计算机等级考试二级及以上证书", "教育部教育考试院", "qualification",
     {"appraisal_body": "教育部考试中心", "certificate_level": "二级", "occupation": "计算机应用", "education": "不限"}, "4", 3),
    ("广东省计算机应用能力等级考试", "广东省计算机应用能力等级考试证书(办公自动化-中级)", "广东省教育考试院", "qualification",
     {"appraisal_body": "广东省教育考试院", "certificate_level": "中级", "occupation": "办公自动化", "education": "不限"}, "2", 2),
    ("广东省高等学校计算机等级考试", "广东省高等学校计算机等级考试证书(一级证书及以上)", "广东省教育考试院", "qualification",
     {"appraisal_body": "广东省教育考试院", "certificate_level": "一级", "occupation": "计算机应用", "education": "专科"}, "2", 3),
    ("大学英语等级考试", "大学英语等级考试(CET)四级及以上证书", "教育部教育考试院", "qualification",
     {"appraisal_body": "教育部考试中心", "certificate_level": "四级", "occupation": "外语", "education": "专科"}, "4", 4),
    ("学位外语", "广东省成人高等教育学士学位外语水平统一考试", "广东省教育考试院", "qualification",
     {"appraisal_body": "广东省教育考试院", "certificate_level": "合格", "occupation": "外语", "education": "本科"}, "4", 5),
    ("电子商务", "助理电子商务师", "广东省教育考试院", "qualification",
     {"appraisal_body": "广东省职业技能鉴定指导中心", "certificate_level": "三级", "occupation": "电子商务师", "education": "高中"}, "6", 3),
    ("1+X证书", "云计算平台运维与开发中级工程师", "成果试点机构", "training",
     {"training_body": "成果试点机构", "org_code": "xfyh00001"}, "8", 4),
    ("1+X证书", "云计算平台运维与开发初级工程师", "成果试点机构", "training",
     {"training_body": "成果试点机构", "org_code": "xfyh00001"}, "4", 3),
    ("培训证书", "HCIA-Cloud Computing华为认证云计算工程师", "华为技术有限公司", "training",
     {"training_body": "华为技术有限公司", "org_code": "HW0001"}, "4", 3),
    ("学堂在线平台课程", "学堂在线平台云计算与软件工程课程", "成果试点机构", "training",
     {"training_body": "学堂在线", "org_code": "xfyh00001"}, "2", 3),
    ("中国大学MOOC在线平台课程", "中国大学MOOC平台云计算技术与应用课程", "成果试点机构", "training",
     {"training_body": "中国大学MOOC", "org_code": "xfyh00001"}, "2", 3),
    ("老年教育", "广东老年大学培训课程", "广东老年大学", "training",
     {"training_body": "广东老年大学", "org_code": "GDLN01"}, "1", 1),
    ("学习强国", "2020年学习强国学时认证", "成果试点机构", "training",
     {"training_body": "学习强国", "org_code": "xfyh00001"}, "1", 2),
    ("经济统计学", "经济统计学毕业证书(本科)", "长沙理工大学", "inst_he_diploma",
     {"issuer": "长沙理工大学", "level": "本科", "discipline": "经济学", "major_class": "经济学类", "major": "经济统计学",
      "conclusion": "毕业", "duration_years": "4", "hours": "2700", "credits": "160", "min_credits": "160",
      "education_type": "普通高等教育", "grade": "经济学/经济学类"}, "160", 6),
    ("经济统计学", "经济学学士学位证书", "长沙理工大学", "degree",
     {"issuer": "长沙理工大学", "major": "经济统计学", "level": "本科", "education_type": "学士学位", "grade": "经济学"}, "0", 6),
    ("植物保护与检疫技术", "植物保护与检疫技术毕业证书(高职)", "广东开放大学", "inst_ce_diploma",
     {"issuer": "广东开放大学", "level": "专科(高职)", "discipline": "农林牧渔大类", "major_class": "农业类",
      "major": "植物保护与检疫技术(410106)", "conclusion": "毕业", "duration_years": "2.5", "hours": "1800",
      "credits": "120", "min_credits": "110", "education_type": "高等学历继续教育", "grade": "专科"}, "120", 5),
    ("计算机网络技术", "计算机网络技术毕业证书(高职)", "广东理工职业学院", "inst_voc_diploma",
     {"issuer": "广东理工职业学院", "level": "专科(高职)", "discipline": "电子与信息大类", "major_class": "计算机类",
      "major": "计算机网络技术", "conclusion": "毕业", "duration_years": "3", "hours": "2500", "credits": "120",
      "min_credits": "120", "education_type": "职业教育", "grade": "专科"}, "120", 5),
    _course("计算机网络技术", "集群应用系统构建与运维", "广东理工职业学院", "inst_voc_course", "JW2018101", "计算机网络技术", 64, 4, 4),
    _course("计算机网络技术", "容器技术与应用", "广东理工职业学院", "inst_voc_course", "JW2018102", "计算机网络技术", 64, 4, 4),
    _course("计算机网络技术", "云平台运维与开发技术", "广东理工职业学院", "inst_voc_course", "JW2018103", "计算机网络技术", 64, 4, 4),
    _course("计算机网络技术", "项目工程管理", "广东理工职业学院", "inst_voc_course", "JW2018104", "计算机网络技术", 32, 2, 4),
    _course("计算机应用基础", "计算机应用基础", "广东开放大学", "inst_ce_course", "GK00101", "公共基础", 48, 3, 3),
    _course("大学英语", "大学英语(1)", "广东开放大学", "inst_ce_course", "GK00201", "公共基础", 64, 4, 3),
    _course("大学英语", "大学英语(2)", "广东开放大学", "inst_ce_course", "GK00202", "公共基础", 64, 4, 3),
    _course("电子商务", "电子商务概论", "广东开放大学", "inst_ce_course", "GK01301", "电子商务", 48, 3, 4),
    ("高级技工", "数控加工技师教育", "广东理工职业学院", "technician",
     {"major": "数控加工", "technician_level": "技师"}, "20", 4),
    ("高级技工", "电气自动化技师教育", "广东理工职业学院", "technician",
     {"major": "电气自动化", "technician_level": "高级技师"}, "24", 5),
    ("1+X证书", "Web前端开发中级证书", "成果试点机构", "inst_x_cert",
     {"issuer": "成果试点机构", "certificate_level": "中级", "occupation": "Web前端开发"}, "6", 4),
    ("老年教育", "广东老年大学书法课程结业证书", "广东老年大学", "inst_other_cert",
     {"issuer": "广东老年大学", "certificate_level": "结业", "occupation": "书法"}, "1", 1),
    ("计算机网络技术", "云计算技术应用课程", "广东理工职业学院", "inst_voc_course",
     {"course_name": "云计算技术应用", "course_code": "JW2018201", "major": "计算机网络技术", "level": "专科(高职)", "hours": "64", "credits": "4"}, "4", 4),
    ("计算机网络技术", "计算机网络技术专业毕业证书(职业教育)", "广东理工职业学院", "inst_voc_diploma",
     {"issuer": "广东理工职业学院", "level": "专科(高职)", "discipline": "电子与信息大类", "major_class": "计算机类",
      "major": "计算机网络技术", "conclusion": "毕业", "duration_years": "3", "hours": "2600", "credits": "150",
      "min_credits": "140"}, "150", 5),
    ("经济统计学", "经济统计学专业毕业证书(普通高等教育)", "长沙理工大学", "inst_he_diploma",
     {"issuer": "长沙理工大学", "level": "本科", "discipline": "经济学", "major_class": "经济学类", "major": "经济统计学",
      "conclusion": "毕业", "duration_years": "4", "hours": "2800", "credits": "170", "min_credits": "160"}, "170", 6),
    ("行政管理", "行政管理专业毕业证书(继续教育)", "广东开放大学", "inst_ce_diploma",
     {"issuer": "广东开放大学", "level": "本科", "discipline": "管理学", "major_class": "公共管理类", "major": "行政管理",
      "conclusion": "毕业", "duration_years": "2.5", "hours": "1400", "credits": "80", "min_credits": "76"}, "80", 6),
    ("经济统计学", "统计学原理", "长沙理工大学", "inst_he_course",
     {"course_name": "统计学原理", "course_code": "CS10101", "major": "经济统计学", "level": "本科", "hours": "48",
      "credits": "3"}, "3", 5),
    ("电工", "电工职业技能等级证书(四级)", "广东理工职业学院", "inst_mohrss_cert",
     {"issuer": "广东省人力资源和社会保障厅", "certificate_level": "四级", "occupation": "电工"}, "4", 3),
    ("育婴员", "育婴员国家职业资格证书(五级)", "广东老年大学", "inst_national_cert",
     {"issuer": "广东省职业技能鉴定指导中心", "certificate_level": "五级", "occupation": "育婴员"}, "2", 2),
    ("植物保护", "植物病理学", "广东开放大学", "inst_ce_course",
     {"course_name": "植物病理学", "course_code": "GK41001", "major": "植物保护与检疫技术", "level": "专科(高职)", "hours": "72", "credits": "4"}, "4", 4),
]

CLOUD_RULE_TARGETS = ["集群应用系统构建与运维", "容器技术与应用", "云平台运维与开发技术", "项目工程管理"]
# (name, type, publisher, sources, targets, exempt modules)
RULES = [
    *[
        (
            f"1+X云计算平台运维与开发中级工程师证书转广东理工职业学院2018级计算机网络技术专业{target}",
            RuleType.NON_DEGREE_TO_DEGREE,
            "广东理工职业学院",
            ["云计算平台运维与开发中级工程师"],
            [target],
            None,
        )
        for target in CLOUD_RULE_TARGETS
    ],
    ("全国计算机等级考试一级证书转广东开放大学计算机应用基础课程", RuleType.NON_DEGREE_TO_DEGREE, "广东开放大学",
     ["全国计算机等级考试一级证书"], ["计算机应用基础"], None),
    ("大学英语四级证书转广东开放大学大学英语(1)课程", RuleType.NON_DEGREE_TO_DEGREE, "广东开放大学",
     ["大学英语等级考试(CET)四级及以上证书"], ["大学英语(1)"], None),
    ("助理电子商务师转电子商务概论课程", RuleType.NON_DEGREE_TO_DEGREE, "广东开放大学",
     ["助理电子商务师"], ["电子商务概论"], "实操 (2学分)、机考 (2学分)"),
    # Two sources: a learner holding only the first sees a partial pathway in 学分账户.
    ("全国计算机等级考试一级证书与助理电子商务师转广东开放大学电子商务专业课程", RuleType.NON_DEGREE_TO_DEGREE, "广东开放大学",
     ["全国计算机等级考试一级证书", "助理电子商务师"], ["电子商务概论"], None),
    # Seed 000 §五 学位外语认定与转换: the exam's certificate converts into a course.
    ("学士学位外语水平统一考试合格转广东开放大学大学英语(2)课程", RuleType.NON_DEGREE_TO_DEGREE, "广东开放大学",
     ["广东省成人高等教育学士学位外语水平统一考试"], ["大学英语(2)"], None),
]

TEACHING_POINTS = ["广东开放大学广州教学点", "广东开放大学佛山教学点"]
SURNAMES = "陈林黄张李王吴刘蔡杨赵周徐孙马朱胡郭何高"
GIVEN = ["晓明", "丽华", "志强", "美玲", "建国", "雪梅", "俊杰", "海燕", "国栋", "秀英"]

DEMO_ACCOUNTS = [
    ("center", "学分银行管理中心 (center)"),
    ("reviewer", "教学点管理员 (reviewer)"),
    ("committee", "专业认定委员会成员 (committee)"),
    ("institution", "院校账户 (institution)"),
    ("learner", "学习者 (learner)"),
]


def demo_id_number(index):
    """A valid mainland ID: Guangzhou Tianhe, born 1985–2004, GB 11643 check digit."""
    first17 = f"440106{1985 + index % 20:04d}{1 + index % 12:02d}{1 + index % 28:02d}{100 + index:03d}"
    return first17 + id_check_char(first17)


def _user(username, role, real_name, **fields):
    user = User.get_or_none(User.username == username)
    if user is None:
        user = User.create(
            username=username, role=role, real_name=real_name,
            **{"password_hash": users.hash_password(DEMO_PASSWORD), **fields},
        )
    return user


def _learner_name(index):
    return "陈晓明" if index == 0 else SURNAMES[index % len(SURNAMES)] + GIVEN[index % len(GIVEN)]


def _learner(index, teaching_point):
    id_number = demo_id_number(index)
    username = "learner" if index == 0 else f"learner{index:02d}"
    return _user(
        username,
        Role.LEARNER,
        _learner_name(index),
        phone=f"138{index:08d}",
        email=f"{username}@example.cn",
        id_number=id_number,
        gender=id_gender(id_number),
        birth_date=id_birth_date(id_number),
        nationality="中国",
        ethnicity="汉族",
        province="广东省",
        city="广州市",
        district="天河区",
        address="天河路1号",
        teaching_point=teaching_point,
    )


def _institutions():
    by_name = {}
    for name, kind, department, school_code in INSTITUTIONS:
        by_name[name] = _upsert(
            Institution,
            {"name": name},
            kind=kind,
            department=by_name.get(department),
            school_code=school_code,
            contact_name="联系人",
        )
    return by_name


def _catalogue(institutions, center):
    catalogue_achievements = {}
    levels = {lv.level: lv for lv in FrameworkLevel.select()}
    for project, name, institution, category_code, fields, credits, level in CATALOGUE:
        catalogue_achievements[name] = _upsert(
            CatalogueAchievement,
            {"name": name, "institution": institutions[institution]},
            project_name=project,
            category=Category.get(Category.code == category_code),
            fields=fields,
            credits=Decimal(credits),
            framework_level=levels[level],
            valid_from=dt.date(2020, 1, 1),
            intro=f"{project}：{name}",
            recognition_status=RecognitionStatus.RECOGNISED,
            created_by=center,
        )
    return catalogue_achievements


def _rules(institutions, catalogue_achievements, center):
    for publisher in sorted({rule[2] for rule in RULES}):
        _upsert(
            ConversionMethod,
            {"institution": institutions[publisher], "name": f"{publisher}学习成果认定与转换管理办法"},
            status=PublishStatus.PUBLISHED,
            commitment_accepted=True,
            published_at=now(),
            created_by=center,
        )
    # A third institution keeps an unpublished draft method: methods in both states.
    _upsert(
        ConversionMethod,
        {"institution": institutions["长沙理工大学"], "name": "长沙理工大学学分认定与转换实施细则"},
        created_by=center,
    )
    for index, (name, rule_type, publisher, sources, targets, exempt) in enumerate(RULES, start=1):
        if ConversionRule.get_or_none(ConversionRule.name == name):
            continue
        rule = ConversionRule.create(
            code=f"20220301{index:04d}",
            name=name,
            rule_type=rule_type,
            institution=institutions[publisher],
            method=ConversionMethod.get(
                ConversionMethod.institution == institutions[publisher],
                ConversionMethod.status == PublishStatus.PUBLISHED,
            ),
            description=f"持有{'、'.join(sources)}的学习者，可申请转换为{'、'.join(targets)}。",
            target_major="计算机网络技术" if publisher == "广东理工职业学院" else None,
            target_major_code="510202" if publisher == "广东理工职业学院" else None,
            target_level=Level.ASSOCIATE,
            commitment_accepted=True,
            status=RuleStatus.PUBLISHED,
            published_at=now(),
            effective_from=dt.date(2022, 3, 1),
            created_by=center,
        )
        for source in sources:
            held = catalogue_achievements[source]
            RuleSource.create(rule=rule, catalogue=held, credits=held.credits)
        for target in targets:
            RuleTarget.create(rule=rule, catalogue=catalogue_achievements[target], exempt_modules=exempt)


def _hold(learner, catalogue_achievement, status, source=AchievementSource.SELF, stored_by=None, **fields):
    return _upsert(
        LearnerAchievement,
        {"learner": learner, "catalogue": catalogue_achievement},
        category=catalogue_achievement.holder_category_id,
        name=catalogue_achievement.name,
        institution=catalogue_achievement.institution,
        status=status,
        source=source,
        stored_by=stored_by,
        fields=fields or {"certificate_no": f"C{learner.id:05d}{catalogue_achievement.id:03d}",
                          "obtained_on": "2021-06-30"},
        obtained_on=dt.date(2021, 6, 30),
    )


def _informal(learner, name, status):
    row = LearnerAchievement.get_or_none(LearnerAchievement.learner == learner, LearnerAchievement.name == name)
    if row is None:
        row = LearnerAchievement.create(
            learner=learner,
            category=Category.get(Category.code == "perf_competition"),
            name=name,
            institution_name="广东省职业技能大赛组委会",
            status=status,
            source=AchievementSource.SELF,
            fields={"completed_by": "广东省职业技能大赛组委会", "obtained_on": "2022-05-20"},
            description="省级职业技能大赛获奖",
            obtained_on=dt.date(2022, 5, 20),
        )
    return row


def _application(kind, learner, achievement, status, rule=None, target=None, reviews=()):
    application = Application.get_or_none(
        Application.learner == learner, Application.achievement == achievement, Application.kind == kind
    )
    if application is None:
        application = Application.create(
            kind=kind,
            learner=learner,
            achievement=achievement,
            rule=rule,
            target=target,
            teaching_point=learner.teaching_point,
            status=status,
            decided_at=now() if reviews and status != ApplicationStatus.INITIAL_PASSED else None,
            decided_stage=reviews[-1][0] if reviews else None,
            # As services/workflow gives every passed conversion: its certificate's code.
            certificate_code=(secrets.token_hex(8).upper()
                              if status == ApplicationStatus.PASSED and kind != ApplicationKind.RECOGNITION else None),
        )
        for stage, reviewer, decision, opinion in reviews:
            ReviewRecord.create(
                application=application, stage=stage, reviewer=reviewer, decision=decision, opinion=opinion
            )
    return application


def _demo_learners(teaching_points, institutions, catalogue_achievements, reviewer, committee):
    # Six learners per teaching point in turn, so each point has work at every stage.
    learners = [_learner(i, teaching_points[(i // 6) % 2]) for i in range(22)]
    catalogue_status = AchievementStatus.CATALOGUE
    tp_opinion = f"教学点：{teaching_points[0].name} 审核人：{reviewer.real_name} 意见：同意"
    cmt_opinion = f"审核人：{committee.department} {committee.real_name}"
    cloud = catalogue_achievements["云计算平台运维与开发中级工程师"]
    cloud_rules = list(ConversionRule.select().where(ConversionRule.name.contains("云计算平台运维与开发中级工程师")).order_by(ConversionRule.code))
    for i, learner in enumerate(learners):
        own_tp = learner.teaching_point
        own_tp_opinion = tp_opinion.replace(teaching_points[0].name, own_tp.name)
        _hold(learner, catalogue_achievements["全国计算机等级考试一级证书"], catalogue_status)
        stage = i % 6
        if stage == 0:  # informal, not yet applied
            _informal(learner, "广东省职业技能大赛三等奖", AchievementStatus.NOT_APPLIED)
        elif stage == 1:  # recognition pending
            a = _informal(learner, "广东省职业技能大赛二等奖", AchievementStatus.UNDER_REVIEW)
            _application(ApplicationKind.RECOGNITION, learner, a, ApplicationStatus.PENDING)
        elif stage == 2:  # recognised, then performance conversion pending
            a = _informal(learner, "广东省职业技能大赛一等奖", AchievementStatus.RECOGNISED)
            _application(ApplicationKind.RECOGNITION, learner, a, ApplicationStatus.PASSED,
                         reviews=[(ReviewStage.RECOGNITION, reviewer, Decision.AGREE, own_tp_opinion)])
            _application(ApplicationKind.PERFORMANCE, learner, a, ApplicationStatus.PENDING,
                         target=catalogue_achievements["电子商务概论"])
        elif stage == 3:  # recognition refused
            a = _informal(learner, "社区志愿服务证明", AchievementStatus.REFUSED)
            _application(ApplicationKind.RECOGNITION, learner, a, ApplicationStatus.REFUSED,
                         reviews=[(ReviewStage.RECOGNITION, reviewer, Decision.DISAGREE, own_tp_opinion.replace("同意", "不同意，材料不全"))])
        elif stage == 4:  # conversion waiting for initial review
            a = _hold(learner, cloud, catalogue_status)
            _application(ApplicationKind.CONVERSION, learner, a, ApplicationStatus.PENDING, rule=cloud_rules[i % 4])
        else:  # conversion past initial review, waiting for the final one
            a = _hold(learner, cloud, catalogue_status)
            _application(ApplicationKind.CONVERSION, learner, a, ApplicationStatus.INITIAL_PASSED, rule=cloud_rules[i % 4],
                         reviews=[(ReviewStage.INITIAL, reviewer, Decision.AGREE, own_tp_opinion)])
    # A completed conversion: the target course was granted to the learner.
    done = learners[6]
    a = _hold(done, catalogue_achievements["大学英语等级考试(CET)四级及以上证书"], catalogue_status)
    rule = ConversionRule.get(ConversionRule.name.contains("大学英语四级"), ConversionRule.version == 1)
    app = _application(ApplicationKind.CONVERSION, done, a, ApplicationStatus.PASSED, rule=rule, reviews=[
        (ReviewStage.INITIAL, reviewer, Decision.AGREE, tp_opinion.replace(teaching_points[0].name, done.teaching_point.name)),
        (ReviewStage.FINAL, committee, Decision.AGREE, cmt_opinion),
    ])
    _with_code(app)
    granted = _hold(done, catalogue_achievements["大学英语(1)"], AchievementStatus.RECOGNISED,
                    source=AchievementSource.CONVERSION)
    if granted.granted_by is None:
        LearnerAchievement.update(granted_by=app.id).where(LearnerAchievement.id == granted.id).execute()
    # The same conversion for another learner, revoked since by the center (the ledger takes
    # back the course it granted), and a recognition application its learner withdrew.
    _revoked_conversion(learners[13], catalogue_achievements, rule, reviewer, committee, tp_opinion, cmt_opinion)
    withdrawn = _informal(learners[12], "广东省青年创新创业大赛优秀奖", AchievementStatus.NOT_APPLIED)
    if _application(ApplicationKind.RECOGNITION, learners[12], withdrawn, ApplicationStatus.WITHDRAWN).withdrawn_at is None:
        Application.update(withdrawn_at=now()).where(Application.achievement == withdrawn.id).execute()
    # A refused final review, and an institution-stored (then withdrawn) achievement.
    refused = learners[7]
    a = _hold(refused, catalogue_achievements["HCIA-Cloud Computing华为认证云计算工程师"], catalogue_status)
    _hold(refused, catalogue_achievements["经济统计学毕业证书(本科)"], catalogue_status, source=AchievementSource.INSTITUTION,
          stored_by=institutions["长沙理工大学"])
    stored = _hold(learners[8], catalogue_achievements["计算机网络技术毕业证书(高职)"], AchievementStatus.WITHDRAWN,
                   source=AchievementSource.INSTITUTION, stored_by=institutions["广东理工职业学院"])
    if not stored.withdrawn_reason:
        LearnerAchievement.update(withdrawn_reason="证书编号录入错误", withdrawn_at=now()).where(
            LearnerAchievement.id == stored.id).execute()
    # Institution-stored achievements for the demo institution's 学员成果.
    for learner in learners[9:15]:
        _hold(learner, catalogue_achievements["计算机网络技术毕业证书(高职)"], catalogue_status,
              source=AchievementSource.INSTITUTION, stored_by=institutions["广东理工职业学院"], personal_code=None)
    # Imported, not yet activated learners (they activate with their ID number).
    for index in range(22, 25):
        id_number = demo_id_number(index)
        if not User.select().where(User.id_number == id_number).exists():
            # The third has no phone: it activates by e-mail and the center's account review (003).
            contact = {} if index == 24 else {"phone": f"138{index:08d}", "email": f"learner{index}@example.cn"}
            users.create_inactive_learner(id_number, _learner_name(index), institutions["广东理工职业学院"].id,
                                             teaching_point=teaching_points[index % 2], **contact)
    return learners


def _with_code(application):
    """A passed conversion's certificate code, as its grant mints it."""
    Application.update(certificate_code=grants.mint_code()).where(
        Application.id == application.id, Application.certificate_code.is_null()).execute()


def _revoked_conversion(learner, catalogue_achievements, rule, reviewer, committee, tp_opinion, cmt_opinion):
    source = _hold(learner, catalogue_achievements["大学英语等级考试(CET)四级及以上证书"], AchievementStatus.CATALOGUE)
    app = _application(ApplicationKind.CONVERSION, learner, source, ApplicationStatus.PASSED, rule=rule, reviews=[
        (ReviewStage.INITIAL, reviewer, Decision.AGREE, tp_opinion),
        (ReviewStage.FINAL, committee, Decision.AGREE, cmt_opinion),
    ])
    granted = _hold(learner, catalogue_achievements["大学英语(1)"], AchievementStatus.RECOGNISED,
                    source=AchievementSource.CONVERSION)
    if app.status == ApplicationStatus.PASSED:
        LearnerAchievement.update(granted_by=app.id).where(LearnerAchievement.id == granted.id).execute()
        _with_code(app)
        center = User.get(User.username == "center")
        ledger.revoke_conversion(app, center, "经核查，源成果证书编号与颁证机构记录不符")


def _rule_version_and_duplicate_demo(learners, catalogue_achievements, center):
    """A rule changed after publication (version 1 keeps the conversion judged by it) and
    one duplicate certificate: two learners holding the same 云计算 certificate number."""
    from services.ledger import rules
    from services.records import duplicates

    first = ConversionRule.get(ConversionRule.name.contains("大学英语四级"), ConversionRule.version == 1)
    if first.status == RuleStatus.PUBLISHED:
        links = rules.rule_links([first.id])[first.id]
        rules.update_rule(
            first, center, [(s.catalogue, s.credits) for s in links["sources"]],
            [(t.catalogue, t.modules) for t in links["majors"] + links["courses"] + links["non_degree"]],
            description=first.description + "证书须在申请前三年内取得。", effective_from=dt.date.today(),
        )
    cloud = catalogue_achievements["云计算平台运维与开发中级工程师"]
    original = LearnerAchievement.get(LearnerAchievement.learner == learners[4], LearnerAchievement.catalogue == cloud)
    LearnerAchievement.update(fields={**original.fields}).where(
        LearnerAchievement.learner == learners[10], LearnerAchievement.catalogue == cloud).execute()
    duplicates.refresh_all()


def _institution_space(institutions, learners):
    """A sub-user with a few menus and learners' 问题反馈 for the demo institution."""
    college = institutions["广东理工职业学院"]
    staff = _user("jiaowu01", Role.SUBUSER, "广东理工职业学院教务员", phone="13900000006", institution=college)
    for permission in (Permission.ACHIEVEMENTS, Permission.LEARNER_ACHIEVEMENTS, Permission.MESSAGES):
        _upsert(UserPermission, {"user": staff, "permission": permission})
    for learner, content in ((learners[9], "个人照片有误"), (learners[10], "发证日期有误")):
        achievement = LearnerAchievement.get(LearnerAchievement.learner == learner, LearnerAchievement.stored_by == college)
        _upsert(Feedback, {"learner": learner, "achievement": achievement}, institution=college, content=content)


def seed_demo():
    """Reference data plus a realistic demo set; returns row counts for the CLI."""
    with db.atomic():
        reference.load()
        institutions = _institutions()
        center = _user("center", Role.CENTER, "明耀星", phone="13900000001", department="学分银行管理中心")
        teaching_points = [institutions[name] for name in TEACHING_POINTS]
        reviewer = _user("reviewer", Role.REVIEWER, "李老师", phone="13900000002", institution=teaching_points[0])
        _user("reviewer2", Role.REVIEWER, "王老师", phone="13900000005", institution=teaching_points[1])
        committee = _user("committee", Role.COMMITTEE, "周教授", phone="13900000003", department="学分银行管理中心",
                          institution=institutions["学分银行专业认定委员会"])
        _user("institution", Role.INSTITUTION, "广东理工职业学院管理员", phone="13900000004",
              institution=institutions["广东理工职业学院"])
        catalogue_achievements = _catalogue(institutions, center)
        _rules(institutions, catalogue_achievements, center)
        learners = _demo_learners(teaching_points, institutions, catalogue_achievements, reviewer, committee)
        _institution_space(institutions, learners)
        _rule_version_and_duplicate_demo(learners, catalogue_achievements, center)
        seed_portal(center)
    from services.reports import build

    if build.last_build() is None:
        build.rebuild()  # 统计报表 shows the demo at once (the periodic job keeps it current)
    return {
        "institutions": Institution.select().count(),
        "catalogue": CatalogueAchievement.select().count(),
        "rules": ConversionRule.published().count(),
        "learners": User.select().where(permissions.accounts_of(Role.LEARNER)).count(),
        "achievements": LearnerAchievement.select().count(),
        "applications": Application.select().count(),
    }
