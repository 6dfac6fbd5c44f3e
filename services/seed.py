"""Reference data (category tree with schemas, framework levels) and the demo data set.

Everything is keyed by a natural key and created only when missing, so running
``seed-demo`` twice leaves the same rows. The names come from the manuals (SPEC §3).
"""
import datetime as dt
from decimal import Decimal

from models import (
    AccountStatus,
    AchievementSource,
    AchievementStatus,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Article,
    ArticleKind,
    ArticleStatus,
    CatalogueAchievement,
    Category,
    CategoryKind,
    CategoryScope,
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
from services import accounts
from services.validators import id_check_char, id_gender, id_birth_date

DEMO_PASSWORD = "Demo@2026"

LEVEL_OPTIONS = [label for label in ("小学", "初中", "高中(中职/中技)", "专科(高职)", "本科", "硕士", "博士")]
GRADUATION_OPTIONS = ["毕业", "结业", "肄业"]


def f(name, label, source, type="text", required=True, options=None):
    field = {"name": name, "label": label, "type": type, "source": source, "required": required}
    if options:
        field["options"] = options
    return field


def C(name, label, type="text", options=None):
    return f(name, label, "catalogue", type, True, options)


def M(name, label, type="text", required=True, options=None):
    return f(name, label, "manual", type, required, options)


# SPEC §2, 000 表2 and 表3: the learner subcategories' fields and evidence.
COURSE = {
    "fields": [
        C("school_name", "学校名称"),
        C("course_name", "课程名称"),
        C("course_code", "课程号"),
        C("major", "专业"),
        C("level", "层次", "enum", LEVEL_OPTIONS),
        C("course_credits", "课程学分", "number"),
        M("obtained_on", "获取时间", "date"),
        M("score", "成绩"),
    ],
    "evidence": [{"label": "单科合格证书或成绩单", "required": True}, {"label": "课程教材或教学大纲", "required": False}],
}
DIPLOMA = {
    "fields": [
        C("issuer", "颁发机构"),
        C("major", "专业"),
        C("level", "层次", "enum", LEVEL_OPTIONS),
        C("education_type", "类型"),
        C("grade", "等级"),
        M("certificate_no", "电子注册号/证书编号"),
        M("obtained_on", "获取时间", "date"),
    ],
    "evidence": [{"label": "毕业证书、学位证书", "required": True}],
}
QUALIFICATION = {
    "fields": [
        C("appraisal_body", "职业技能鉴定机构名称"),
        C("certificate_level", "证书等级"),
        C("occupation", "职业(工种)"),
        C("education", "文化程度"),
        M("certificate_no", "证书编号"),
        M("obtained_on", "发证日期", "date"),
    ],
    "evidence": [{"label": "职业资格证书", "required": True}],
}
TECHNICIAN = {
    "fields": [
        C("major", "专业名称"),
        C("technician_level", "技师教育等级"),
        M("certificate_no", "证书编号"),
        M("obtained_on", "发证时间", "date"),
        M("study_period", "学习时间"),
    ],
    "evidence": [{"label": "技工教育相关证明材料", "required": True}],
}
TRAINING = {
    "fields": [
        C("training_body", "培训机构"),
        C("org_code", "机构代码"),
        M("certificate_no", "证书编号"),
        M("obtained_on", "获取时间", "date"),
    ],
    "evidence": [{"label": "培训证明", "required": True}],
}
PERFORMANCE = {
    "fields": [M("completed_by", "业绩完成单位"), M("obtained_on", "业绩完成时间", "date")],
    "evidence": [{"label": "获奖证书、工作证明等", "required": True}],
}
# 004: the institution's forms for degree certificates and courses.
INSTITUTION_DIPLOMA = {
    "fields": [
        C("issuer", "颁证机构"),
        C("level", "层次", "enum", LEVEL_OPTIONS),
        C("discipline", "学科门类"),
        C("major_class", "专业类"),
        C("major", "专业"),
        C("conclusion", "毕业结论", "enum", GRADUATION_OPTIONS),
        C("duration_years", "学制(年)", "number"),
        C("hours", "原始学时", "number"),
        C("credits", "原始学分", "number"),
        C("min_credits", "最低毕业学分", "number"),
    ],
    "evidence": [{"label": "毕业证书", "required": True}],
}
INSTITUTION_COURSE = {
    "fields": [
        C("course_name", "课程名称"),
        C("course_code", "课程代码"),
        C("major", "专业"),
        C("level", "层次", "enum", LEVEL_OPTIONS),
        C("hours", "原始学时", "number"),
        C("credits", "原始学分", "number"),
    ],
    "evidence": [{"label": "成绩单", "required": True}],
}
INSTITUTION_CERTIFICATE = {
    "fields": [C("issuer", "颁证机构"), C("certificate_level", "证书等级"), C("occupation", "职业(工种)")],
    "evidence": [{"label": "证书", "required": True}],
}

DEGREE, NON_DEGREE, INFORMAL = CategoryKind.DEGREE, CategoryKind.NON_DEGREE, CategoryKind.INFORMAL
LEARNER_TREE = [
    ("degree_education", "学历教育", DEGREE, [
        ("diploma", "毕业证书", DEGREE, DIPLOMA),
        ("degree", "学位证书", DEGREE, DIPLOMA),
        ("course", "课程", DEGREE, COURSE),
    ]),
    ("qualification_group", "职业资格证书", NON_DEGREE, [("qualification", "职业资格证书", NON_DEGREE, QUALIFICATION)]),
    ("technician_group", "技师教育", NON_DEGREE, [("technician", "技师教育", NON_DEGREE, TECHNICIAN)]),
    ("other_group", "其他类_培训业绩等", NON_DEGREE, [
        ("training", "培训类", NON_DEGREE, TRAINING),
        ("perf_competition", "业绩类-竞赛奖励", INFORMAL, PERFORMANCE),
        ("perf_research", "业绩类-科学研究", INFORMAL, PERFORMANCE),
        ("perf_innovation", "业绩类-创新创业", INFORMAL, PERFORMANCE),
        ("perf_service", "业绩类-社会服务", INFORMAL, PERFORMANCE),
        ("perf_culture", "业绩类-文化传承", INFORMAL, PERFORMANCE),
        ("perf_work", "业绩类-工作经历", INFORMAL, PERFORMANCE),
        ("perf_title", "业绩类-职称证书", INFORMAL, PERFORMANCE),
    ]),
]
# (name, kind, schema, learner subcategory requires authorisation, storable by hand)
INSTITUTION_TREE = [
    ("inst_degree", "学历成果", DEGREE, [
        ("inst_voc_diploma", "职业教育学历证书", INSTITUTION_DIPLOMA, "diploma", False, True),
        ("inst_he_diploma", "普通高等教育学历证书", INSTITUTION_DIPLOMA, "diploma", False, True),
        ("inst_ce_diploma", "高等学历继续教育证书", INSTITUTION_DIPLOMA, "diploma", False, True),
        ("inst_voc_course", "职业教育学历课程", INSTITUTION_COURSE, "course", False, True),
        ("inst_he_course", "普通高等教育学历课程", INSTITUTION_COURSE, "course", False, True),
        ("inst_ce_course", "高等学历继续教育课程", INSTITUTION_COURSE, "course", False, True),
    ]),
    ("inst_non_degree", "非学历成果", NON_DEGREE, [
        ("inst_x_cert", "职业技能等级证书(X证书)", INSTITUTION_CERTIFICATE, "training", False, False),
        ("inst_mohrss_cert", "职业技能等级证书(人社部)", INSTITUTION_CERTIFICATE, "qualification", True, True),
        ("inst_national_cert", "国家职业资格证书", INSTITUTION_CERTIFICATE, "qualification", True, True),
        ("inst_other_cert", "其他非学历证书", INSTITUTION_CERTIFICATE, "training", True, True),
    ]),
]

FRAMEWORK = [
    (1, "一级", "具有基本的生活和文化常识", "能完成简单、重复的日常任务", "在直接指导下工作和学习"),
    (2, "二级", "具有某一领域的基础知识", "能运用基本方法完成常规任务", "在指导下承担有限的责任"),
    (3, "三级", "具有某一领域较宽的事实性和理论性知识", "能选择和运用方法解决常见问题", "在一般指导下自主完成工作"),
    (4, "四级", "具有某一领域宽泛的理论和专业知识", "能解决较复杂的专业问题", "能管理常规工作并指导他人"),
    (5, "五级", "具有某一领域系统的理论和专业知识", "能分析和解决复杂的专业问题", "能承担项目管理责任"),
    (6, "六级", "具有某一领域前沿的专门知识", "能创造性地解决复杂问题", "能领导团队和专业发展"),
    (7, "七级", "具有某一领域最前沿的系统知识", "能在研究和创新中提出原创方法", "能对领域发展承担战略责任"),
]


def _upsert(model, key, **values):
    """Create a row identified by ``key`` unless it exists; never overwrite."""
    row = model.get_or_none(**key)
    if row is None:
        row = model.create(**key, **values)
    return row


def seed_reference():
    """The category tree with its schemas and the seven framework levels."""
    learner = CategoryScope.LEARNER
    institution_scope = CategoryScope.INSTITUTION
    for order, (root_code, name, kind, children) in enumerate(LEARNER_TREE):
        root = _upsert(Category, {"code": root_code}, name=name, kind=kind, scope=learner, sort_order=order)
        for child_order, (child_code, child_name, child_kind, schema) in enumerate(children):
            _upsert(
                Category,
                {"code": child_code},
                name=child_name,
                parent=root,
                kind=child_kind,
                scope=learner,
                sort_order=child_order,
                field_schema=schema["fields"],
                evidence=schema["evidence"],
            )
    for order, (root_code, name, kind, children) in enumerate(INSTITUTION_TREE):
        root = _upsert(Category, {"code": root_code}, name=name, kind=kind, scope=institution_scope, sort_order=order)
        for child_order, (child_code, child_name, schema, learner_code, needs_auth, by_hand) in enumerate(children):
            _upsert(
                Category,
                {"code": child_code},
                name=child_name,
                parent=root,
                kind=kind,
                scope=institution_scope,
                sort_order=child_order,
                field_schema=schema["fields"],
                evidence=schema["evidence"],
                learner_category=Category.get(Category.code == learner_code),
                requires_authorisation=needs_auth,
                manual_storage=by_hand,
            )
    for level, name, knowledge, skills, competence in FRAMEWORK:
        _upsert(FrameworkLevel, {"level": level}, name=name, knowledge=knowledge, skills=skills, competence=competence)


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
            username=username, role=role, real_name=real_name, password_hash=accounts.hash_password(DEMO_PASSWORD), **fields
        )
    return user


def _learner(index, teaching_point):
    id_number = demo_id_number(index)
    username = "learner" if index == 0 else f"learner{index:02d}"
    return _user(
        username,
        Role.LEARNER,
        "陈晓明" if index == 0 else SURNAMES[index % len(SURNAMES)] + GIVEN[index % len(GIVEN)],
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
    entries = {}
    levels = {lv.level: lv for lv in FrameworkLevel.select()}
    for project, name, institution, category_code, fields, credits, level in CATALOGUE:
        entries[name] = _upsert(
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
    return entries


def _rules(institutions, entries, center):
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
            created_by=center,
        )
        for source in sources:
            RuleSource.create(rule=rule, catalogue=entries[source], credits=entries[source].credits)
        for target in targets:
            RuleTarget.create(rule=rule, catalogue=entries[target], exempt_modules=exempt)


def _hold(learner, entry, status, source=AchievementSource.SELF, stored_by=None, **fields):
    return _upsert(
        LearnerAchievement,
        {"learner": learner, "catalogue": entry},
        category=entry.holder_category_id,
        name=entry.name,
        institution=entry.institution,
        status=status,
        source=source,
        stored_by=stored_by,
        fields=fields or {"certificate_no": f"C{learner.id:05d}{entry.id:03d}", "obtained_on": "2021-06-30"},
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
        )
        for stage, reviewer, decision, opinion in reviews:
            ReviewRecord.create(
                application=application, stage=stage, reviewer=reviewer, decision=decision, opinion=opinion
            )
    return application


def _demo_learners(teaching_points, institutions, entries, reviewer, committee):
    # Six learners per teaching point in turn, so each point has work at every stage.
    learners = [_learner(i, teaching_points[(i // 6) % 2]) for i in range(22)]
    catalogue_status = AchievementStatus.CATALOGUE
    tp_opinion = f"教学点：{teaching_points[0].name} 审核人：{reviewer.real_name} 意见：同意"
    cmt_opinion = f"审核人：{committee.department} {committee.real_name}"
    cloud = entries["云计算平台运维与开发中级工程师"]
    cloud_rules = list(ConversionRule.select().where(ConversionRule.name.contains("云计算平台运维与开发中级工程师")).order_by(ConversionRule.code))
    for i, learner in enumerate(learners):
        own_tp = learner.teaching_point
        own_tp_opinion = tp_opinion.replace(teaching_points[0].name, own_tp.name)
        _hold(learner, entries["全国计算机等级考试一级证书"], catalogue_status)
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
            _application(ApplicationKind.PERFORMANCE, learner, a, ApplicationStatus.PENDING, target=entries["电子商务概论"])
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
    a = _hold(done, entries["大学英语等级考试(CET)四级及以上证书"], catalogue_status)
    rule = ConversionRule.get(ConversionRule.name.contains("大学英语四级"))
    app = _application(ApplicationKind.CONVERSION, done, a, ApplicationStatus.PASSED, rule=rule, reviews=[
        (ReviewStage.INITIAL, reviewer, Decision.AGREE, tp_opinion.replace(teaching_points[0].name, done.teaching_point.name)),
        (ReviewStage.FINAL, committee, Decision.AGREE, cmt_opinion),
    ])
    granted = _hold(done, entries["大学英语(1)"], AchievementStatus.RECOGNISED, source=AchievementSource.CONVERSION)
    if granted.granted_by is None:
        LearnerAchievement.update(granted_by=app.id).where(LearnerAchievement.id == granted.id).execute()
    # A refused final review, and an institution-stored (then withdrawn) achievement.
    refused = learners[7]
    a = _hold(refused, entries["HCIA-Cloud Computing华为认证云计算工程师"], catalogue_status)
    _hold(refused, entries["经济统计学毕业证书(本科)"], catalogue_status, source=AchievementSource.INSTITUTION,
          stored_by=institutions["长沙理工大学"])
    stored = _hold(learners[8], entries["计算机网络技术毕业证书(高职)"], AchievementStatus.WITHDRAWN,
                   source=AchievementSource.INSTITUTION, stored_by=institutions["广东理工职业学院"])
    if not stored.withdrawn_reason:
        LearnerAchievement.update(withdrawn_reason="证书编号录入错误", withdrawn_at=now()).where(
            LearnerAchievement.id == stored.id).execute()
    # Institution-stored achievements for the demo institution's 学员成果.
    for learner in learners[9:15]:
        _hold(learner, entries["计算机网络技术毕业证书(高职)"], catalogue_status, source=AchievementSource.INSTITUTION,
              stored_by=institutions["广东理工职业学院"], personal_code=None)
    # Imported, not yet activated learners (they activate with their ID number).
    for index in range(22, 25):
        learner = _learner(index, teaching_points[index % 2])
        if learner.status != AccountStatus.INACTIVE:
            User.update(status=AccountStatus.INACTIVE, password_hash=None,
                        added_by_institution=institutions["广东理工职业学院"]).where(User.id == learner.id).execute()
    return learners


def _articles(center):
    for kind, title, body in [
        (ArticleKind.NEWS, "广东终身教育学分银行信息管理平台上线试运行", "平台支持学习成果的认定、积累与转换。"),
        (ArticleKind.GUIDE, "学习者账号注册与激活指引", "已导入的学员请点击“去激活账号”，用身份证号激活。"),
        (ArticleKind.REGULATION, "广东终身教育学分银行学习成果认定与转换管理办法(试行)", "第一条 为规范学习成果认定与转换工作，制定本办法。"),
    ]:
        _upsert(Article, {"title": title}, kind=kind, body=body, status=ArticleStatus.PUBLISHED,
                published_at=now(), author=center)


def _institution_space(institutions, learners):
    """A sub-user with a few menus and learners' 问题反馈 for the demo institution."""
    college = institutions["广东理工职业学院"]
    staff = _user("institution_staff", Role.SUBUSER, "广东理工职业学院教务员", phone="13900000006", institution=college)
    for permission in (Permission.ACHIEVEMENTS, Permission.LEARNER_ACHIEVEMENTS, Permission.MESSAGES):
        _upsert(UserPermission, {"user": staff, "permission": permission})
    for learner, content in ((learners[9], "个人照片有误"), (learners[10], "发证日期有误")):
        achievement = LearnerAchievement.get(LearnerAchievement.learner == learner, LearnerAchievement.stored_by == college)
        _upsert(Feedback, {"learner": learner, "achievement": achievement}, institution=college, content=content)


def seed_demo():
    """Reference data plus a realistic demo set; returns row counts for the CLI."""
    with db.atomic():
        seed_reference()
        institutions = _institutions()
        center = _user("center", Role.CENTER, "明耀星", phone="13900000001", department="学分银行管理中心")
        teaching_points = [institutions[name] for name in TEACHING_POINTS]
        reviewer = _user("reviewer", Role.REVIEWER, "李老师", phone="13900000002", institution=teaching_points[0])
        _user("reviewer2", Role.REVIEWER, "王老师", phone="13900000005", institution=teaching_points[1])
        committee = _user("committee", Role.COMMITTEE, "周教授", phone="13900000003", department="学分银行管理中心",
                          institution=institutions["学分银行专业认定委员会"])
        _user("institution", Role.INSTITUTION, "广东理工职业学院管理员", phone="13900000004",
              institution=institutions["广东理工职业学院"])
        entries = _catalogue(institutions, center)
        _rules(institutions, entries, center)
        learners = _demo_learners(teaching_points, institutions, entries, reviewer, committee)
        _institution_space(institutions, learners)
        _articles(center)
    return {
        "institutions": Institution.select().count(),
        "catalogue": CatalogueAchievement.select().count(),
        "rules": ConversionRule.published().count(),
        "learners": User.select().where(User.role == Role.LEARNER).count(),
        "achievements": LearnerAchievement.select().count(),
        "applications": Application.select().count(),
    }
