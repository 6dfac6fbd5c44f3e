"""Reference data: what every installation needs before anyone logs in — the category
tree with its field schemas and evidence lists (SPEC §2), the seven levels of the
Guangdong lifelong-education qualifications framework, and the provincial education
department with the colleges institution registration offers (SPEC §5).

``init-db`` loads it after the schema, as an idempotent data migration: rows are keyed by
a natural key and only created when missing, never overwritten, so the center's later
edits survive a re-run. Demo data and demo logins live apart, in ``services/seed/demo.py``.
"""
from models import Category, CategoryKind, CategoryScope, FrameworkLevel, Institution, InstitutionKind, Level

LEVEL_OPTIONS = list(Level.NAMES.values())
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


# The provincial education department and the colleges under it that institution
# registration offers (省级教育部门 → 院校 → 学校代码, seed 004 §1.1). More are added by
# the center in 机构管理; this is the starting list of an installation in Guangdong.
EDUCATION_DEPARTMENT = "广东省教育厅"
COLLEGES = [
    ("中山大学", "10558"),
    ("暨南大学", "10559"),
    ("华南理工大学", "10561"),
    ("华南农业大学", "10564"),
    ("华南师范大学", "10574"),
    ("深圳大学", "10590"),
    ("广东轻工职业技术学院", "10833"),
    ("广州大学", "11078"),
    ("深圳职业技术大学", "11113"),
    ("广东工业大学", "11845"),
    ("广东外语外贸大学", "11846"),
    ("广州番禺职业技术学院", "12046"),
    ("广东理工职业学院", "14263"),
    ("广东开放大学", "51161"),
]


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


def seed_education_bodies():
    """The education department and its colleges (unregistered until a college registers)."""
    department = _upsert(
        Institution, {"name": EDUCATION_DEPARTMENT}, kind=InstitutionKind.PROVINCE_DEPT, school_code="GDEDU"
    )
    for name, school_code in COLLEGES:
        _upsert(Institution, {"name": name}, kind=InstitutionKind.COLLEGE, department=department, school_code=school_code)


def load():
    """Every piece of reference data; ``init-db`` runs it after the schema (idempotent)."""
    seed_reference()
    seed_education_bodies()
