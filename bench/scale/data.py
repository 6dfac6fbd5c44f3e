"""The scale dataset (issue 13): on top of the demo data, ``achievements`` learner
achievements held by ``achievements / 5`` learners, as many applications with about
1.025 review records each, 5 000 catalogue entries and 300 rules (from 100 000
achievements up; fewer below), a certificate number on one achievement in five and
one in 200 flagged as the duplicate of another learner's, plus the messages, feedback,
audit and SMS rows the other lists show. The demo accounts own a
large share, so that every role's lists are big. Rows are written with
``services.excel.insert_chunked`` (multi-row VALUES pages), ids set explicitly.
"""
import datetime as dt

from models import (
    AchievementSource,
    AchievementStatus,
    Application,
    ApplicationKind,
    ApplicationStatus,
    AuditLog,
    CatalogueAchievement,
    Category,
    CategoryScope,
    ConversionMethod,
    ConversionRule,
    Decision,
    Feedback,
    Institution,
    InstitutionKind,
    LearnerAchievement,
    Message,
    PublishStatus,
    RecognitionStatus,
    ReviewRecord,
    ReviewStage,
    Role,
    RuleSource,
    RuleStatus,
    RuleTarget,
    SmsOutbox,
    User,
    db,
)
from services import excel, seed, sms
from services.validators import id_check_char

SURNAMES = "陈林黄张李王吴刘蔡杨赵周徐孙马朱胡郭何高罗郑梁谢宋唐许韩冯邓"
GIVEN = "晓明丽华志强美玲建国雪梅俊杰海燕国栋秀英文博佳怡子轩雨桐浩然欣悦宇航思远嘉琪"
START = dt.datetime(2023, 1, 1)
CHUNK = 20_000


def learner_name(n):
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // 7) % len(GIVEN)] + GIVEN[(n // 101) % len(GIVEN)]


def learner_id_number(n):
    birth = dt.date(1970, 1, 1) + dt.timedelta(days=n // 900)
    first17 = f"440106{birth:%Y%m%d}{n % 900 + 100:03d}"
    return first17 + id_check_char(first17)


def learner_phone(n):
    return f"15{n:09d}"


def moment(n, total):
    """Spread ``n`` of ``total`` over three years, in order."""
    return START + dt.timedelta(seconds=int(n * (3 * 365 * 86400) / max(total, 1)))


def next_id(model):
    return (model.select(model.id).order_by(model.id.desc()).scalar() or 0) + 1


def sizes(achievements):
    learners = max(40, achievements // 5)
    return {
        "achievements": learners * 5,
        "learners": learners,
        "applications": learners,
        # Reference data does not grow with the learners: from 100 000 achievements up it
        # has its full size, so that growth from 100k to 1M measures what does grow.
        "catalogue": min(5000, max(60, achievements // 20)),
        "rules": min(300, max(30, achievements // 333)),
        "colleges": 40,
        "teaching_points": 8,
    }


def generate(achievements, log=print):
    """Write the dataset into the current (demo-seeded) database; returns the sizes."""
    size = sizes(achievements)
    seed.seed_demo()
    demo = {u.username: u for u in User.select().where(User.username.in_(["center", "reviewer", "committee",
                                                                           "institution", "learner"]))}
    home = demo["institution"].institution_id
    point = demo["reviewer"].institution_id
    with db.atomic():
        colleges, points = _institutions(size)
        publishers = [home] + colleges
        entries = _catalogue(size, publishers, demo["center"].id)
        rules = _rules(size, publishers, entries, demo["center"].id)
    log(f"  catalogue {len(entries)}, rules {len(rules)}")
    with db.atomic():
        learners = _learners(size, [point] + points, home)
    log(f"  learners {size['learners']}")
    with db.atomic():
        first_achievement = _achievements(size, learners, entries)
    log(f"  achievements {size['achievements']}")
    with db.atomic():
        records = _applications(size, learners, first_achievement, entries, rules, demo)
    log(f"  applications {size['applications']}, review records {records}")
    with db.atomic():
        _other_rows(size, learners, first_achievement, home, demo)
    _reset_sequences()
    build_reports(log)
    return size


def build_reports(log):
    """统计报表's aggregates, as the periodic job builds them (timed: the job's cost)."""
    import os

    from services.reports import build

    row = build.rebuild()
    log(f"  report aggregates rebuilt in {row.seconds} s ({row.achievements} achievements, "
        f"{row.applications} applications, load {os.getloadavg()[0]:.1f})")


def _institutions(size):
    first = next_id(Institution)
    rows = [{"id": first + i, "name": f"规模测试学院{i:02d}", "kind": InstitutionKind.COLLEGE}
            for i in range(size["colleges"])]
    rows += [{"id": first + size["colleges"] + i, "name": f"规模测试教学点{i:02d}", "kind": InstitutionKind.TEACHING_POINT}
             for i in range(size["teaching_points"])]
    excel.insert_chunked(Institution, rows)
    ids = [row["id"] for row in rows]
    return ids[: size["colleges"]], ids[size["colleges"]:]


def _catalogue(size, publishers, center_id):
    types = list(
        Category.select().where(Category.scope == CategoryScope.INSTITUTION, Category.parent.is_null(False),
                                Category.learner_category.is_null(False))
    )
    first = next_id(CatalogueAchievement)
    rows, entries = [], []
    for i in range(size["catalogue"]):
        category = types[i % len(types)]
        institution = publishers[0] if i % 5 == 0 else publishers[1 + i % (len(publishers) - 1)]
        rows.append({
            "id": first + i,
            "project_name": f"规模项目{i // 10:04d}",
            "name": f"规模成果{i:05d}",
            "institution": institution,
            "category": category.id,
            "recognition_status": RecognitionStatus.RECOGNISED if i % 10 < 7 else RecognitionStatus.UNRECOGNISED,
            "created_at": moment(i, size["catalogue"]),
        })
        entries.append((first + i, institution, category.learner_category_id))
    excel.insert_chunked(CatalogueAchievement, rows, fields={}, created_by=center_id, disabled=False)
    return entries


def _rules(size, publishers, entries, center_id):
    method_first = next_id(ConversionMethod)
    methods = {}
    rows = []
    for offset, institution in enumerate(publishers[1:]):  # the demo institution has its own
        methods[institution] = method_first + offset
        rows.append({"id": method_first + offset, "institution": institution, "name": f"转换办法{offset}",
                     "status": PublishStatus.PUBLISHED})
    excel.insert_chunked(ConversionMethod, rows, commitment_accepted=True)
    home_method = ConversionMethod.get(ConversionMethod.institution == publishers[0],
                                       ConversionMethod.status == PublishStatus.PUBLISHED)
    methods[publishers[0]] = home_method.id
    first = next_id(ConversionRule)
    rules, rows, sources, targets = [], [], [], []
    own = {}
    for entry_id, institution, _category in entries:
        own.setdefault(institution, []).append(entry_id)
    for i in range(size["rules"]):
        institution = publishers[0] if i % 3 == 0 else publishers[1 + i % (len(publishers) - 1)]
        status = RuleStatus.PUBLISHED if i % 10 < 8 else (RuleStatus.DRAFT if i % 10 == 8 else RuleStatus.WITHDRAWN)
        rows.append({"id": first + i, "code": f"20250000{i:04d}", "name": f"规模转换规则{i:03d}",
                     "rule_type": "nd2d", "institution": institution, "method": methods[institution],
                     "status": status, "created_at": moment(i, size["rules"])})
        if status == RuleStatus.PUBLISHED:
            rules.append((first + i, institution))
        for k in (0, 1):
            sources.append({"rule": first + i, "catalogue": entries[(i * 2 + k) % len(entries)][0]})
        mine = own.get(institution) or [entries[i % len(entries)][0]]
        target = mine[i % len(mine)]
        targets.append({"rule": first + i, "catalogue": target})
    excel.insert_chunked(ConversionRule, rows, commitment_accepted=True, created_by=center_id)
    excel.insert_chunked(RuleSource, sources)
    excel.insert_chunked(RuleTarget, targets)
    return rules


def _learners(size, points, home):
    first = next_id(User)
    total = size["learners"]

    def rows():
        for n in range(total):
            yield {
                "id": first + n,
                "real_name": learner_name(n),
                "phone": learner_phone(n),
                "id_number": learner_id_number(n),
                "status": "active" if n % 5 else "inactive",
                "teaching_point": points[0] if n % 2 == 0 else points[1 + n % (len(points) - 1)],
                "added_by_institution": home if n % 10 == 0 else None,
                "created_at": moment(n, total),
            }

    excel.insert_chunked(User, rows(), role=Role.LEARNER, id_type="id_card", must_change_password=False)
    return [(first + n, points[0] if n % 2 == 0 else points[1 + n % (len(points) - 1)]) for n in range(total)]


def _achievements(size, learners, entries):
    first = next_id(LearnerAchievement)
    step = len(entries) // 5 + 1
    total = size["achievements"]

    def rows():
        for n, (learner, _point) in enumerate(learners):
            for k in range(5):
                entry_id, institution, category = entries[(n * 7 + k * step) % len(entries)]
                stored = (n + k) % 5 < 3
                number = n * 5 + k
                certificate, duplicate_of = None, None
                if k == 0:  # every learner's first achievement has a certificate number
                    certificate = f"ZS{n:09d}"
                    if n % 40 == 39:  # … and one in 40 repeats the previous learner's (重复证书)
                        entry_id, institution, category = entries[((n - 1) * 7) % len(entries)]
                        certificate, duplicate_of = f"ZS{n - 1:09d}", first + (n - 1) * 5
                yield {
                    "id": first + number,
                    "learner": learner,
                    "catalogue": entry_id,
                    "category": category,
                    "name": f"规模成果{entry_id:05d}",
                    "institution": institution,
                    "status": AchievementStatus.CATALOGUE if stored else (
                        AchievementStatus.RECOGNISED if k % 2 else AchievementStatus.NOT_APPLIED),
                    "source": AchievementSource.INSTITUTION if stored else AchievementSource.SELF,
                    "stored_by": institution if stored else None,
                    "personal_code": certificate,
                    "certificate_key": certificate,
                    "duplicate_of": duplicate_of,
                    "created_at": moment(number, total),
                    "updated_at": moment(number, total),
                }

    excel.insert_chunked(LearnerAchievement, rows(), fields={})
    return first


# (kind, status, stages decided) by learner number n % 20, then n // 20 % 20.
def _plan(n):
    slot, turn = n % 20, (n // 20) % 20
    if slot < 8:
        kind, stages = ApplicationKind.RECOGNITION, [ReviewStage.RECOGNITION]
    elif slot < 18:
        kind, stages = ApplicationKind.CONVERSION, [ReviewStage.INITIAL, ReviewStage.FINAL]
    else:
        kind, stages = ApplicationKind.PERFORMANCE, [ReviewStage.PERFORMANCE]
    if kind == ApplicationKind.CONVERSION:
        if turn < 4:
            return kind, ApplicationStatus.PENDING, []
        if turn < 6:
            return kind, ApplicationStatus.INITIAL_PASSED, stages[:1]
        if turn < 13:
            return kind, ApplicationStatus.PASSED, stages
        if turn < 16:
            return kind, ApplicationStatus.REFUSED, stages[:1]
        if turn < 19:
            return kind, ApplicationStatus.REFUSED, stages
        return kind, ApplicationStatus.WITHDRAWN, []
    if turn < 3:
        return kind, ApplicationStatus.PENDING, []
    if turn < 15:
        return kind, ApplicationStatus.PASSED, stages
    if turn < 19:
        return kind, ApplicationStatus.REFUSED, stages
    return kind, ApplicationStatus.WITHDRAWN, []


def _applications(size, learners, first_achievement, entries, rules, demo):
    first = next_id(Application)
    total = size["applications"]
    reviewers = {ReviewStage.RECOGNITION: demo["reviewer"].id, ReviewStage.INITIAL: demo["reviewer"].id,
                 ReviewStage.FINAL: demo["committee"].id, ReviewStage.PERFORMANCE: demo["committee"].id}
    records = []

    def rows():
        for n, (learner, point) in enumerate(learners[:total]):
            kind, status, stages = _plan(n)
            when = moment(n, total)
            rule, receiver = rules[n % len(rules)] if kind == ApplicationKind.CONVERSION else (None, None)
            target = entries[n % len(entries)][0] if kind == ApplicationKind.PERFORMANCE else None
            decided = when + dt.timedelta(days=3) if stages else None
            for stage in stages:
                agree = not (status == ApplicationStatus.REFUSED and stage == stages[-1])
                records.append({"application": first + n, "stage": stage, "reviewer": reviewers[stage],
                                "decision": Decision.AGREE if agree else Decision.DISAGREE,
                                "opinion": "同意" if agree else "不同意", "created_at": decided})
            yield {"id": first + n, "kind": kind, "learner": learner, "achievement": first_achievement + n * 5,
                   "rule": rule, "receiver": receiver, "target": target, "teaching_point": point, "status": status,
                   "submitted_at": when, "decided_stage": stages[-1] if stages else None, "decided_at": decided if status not in (
                       ApplicationStatus.PENDING, ApplicationStatus.INITIAL_PASSED) else None}

    excel.insert_chunked(Application, rows())
    excel.insert_chunked(ReviewRecord, records)
    return len(records)


def _other_rows(size, learners, first_achievement, home, demo):
    total = size["applications"]
    institution_user = demo["institution"].id
    excel.insert_chunked(Message, (
        {"user": learners[n][0] if n % 10 else institution_user, "title": f"审核结果通知{n}", "body": "您的申请已审核。",
         "created_at": moment(n, total)} for n in range(total // 2)))
    excel.insert_chunked(Feedback, (
        {"learner": learners[n][0], "achievement": first_achievement + n * 5, "institution": home,
         "content": "成果信息有误", "status": "open", "created_at": moment(n, total)}
        for n in range(0, len(learners), 5)[:2000]))
    excel.insert_chunked(AuditLog, (
        {"user": demo["center"].id, "action": "review_agree", "object_type": "application", "object_id": n,
         "created_at": moment(n, total)} for n in range(total // 2)))
    excel.insert_chunked(SmsOutbox, (
        {"phone": learner_phone(n), "body": f"【学分银行】您的验证码为 {sms.MASK}，10分钟内有效。",
         "purpose": "login", "backend": "console", "created_at": moment(n, total)}
        for n in range(total // 4)))


def _reset_sequences():
    """PostgreSQL sequences follow the explicit ids."""
    if "postgres" not in type(db.obj).__name__.lower():
        return
    for model in (Institution, CatalogueAchievement, ConversionMethod, ConversionRule, User, LearnerAchievement,
                  Application):
        table = model._meta.table_name
        db.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT MAX(id) FROM \"{table}\"))")
