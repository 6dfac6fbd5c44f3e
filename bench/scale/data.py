"""The scale dataset: on top of the demo data, ``achievements`` learner achievements,
five for each learner and thousands for a few heavy ones, as many applications as
learners with about 1.025 review records each, 5 000 catalogue achievements and 300 rules
(from 100 000 achievements up; fewer below), a certificate number on one achievement in
five and one in 200 flagged as the duplicate of another learner's, institution batches,
plus the messages, feedback, audit and SMS rows the other lists show. Rows are written
with ``services.excel.insert_chunked`` (multi-row VALUES pages), ids set explicitly.

The data is shaped like real data (``Shape``; every skew an option): five surnames carry
about 7 % of the learners each (a one-character prefix such as 王 matches ≈ 14 000 of
200 000), the demo institution holds half of the institution-stored achievements and
receives half of the conversion applications, the demo learner and two others hold
2 000–3 000 achievements each, and a third of all applications wait at the demo
reviewer's teaching point. ``EVEN`` is the evenly spread data of earlier benchmarks.
"""
import datetime as dt
from dataclasses import dataclass

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
    ConversionBatch,
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
from services import excel
from services.messaging import sms
from services.records import catalogue as catalogue_records
from services.records.validators import id_check_char
from services.seed import demo as seed

COMMON = "王李张刘陈"  # the five commonest surnames, in order
SURNAMES = "林黄吴蔡杨赵周徐孙马朱胡郭何高罗郑梁谢宋唐许韩冯邓"  # the rest, commoner first
GIVEN = "晓明丽华志强美玲建国雪梅俊杰海燕国栋秀英文博佳怡子轩雨桐浩然欣悦宇航思远嘉琪伟芳"
START = dt.datetime(2023, 1, 1)
CHUNK = 20_000


@dataclass(frozen=True)
class Shape:
    surname_share: float = 0.07  # of the learners, for each surname of COMMON
    dominant_share: float = 0.5  # the demo institution's share of stored achievements and of all applications
    heavy: tuple = (3000, 2500, 2000)  # achievements of the heavy learners: the demo learner, then two more
    pending_share: float = 1 / 3  # of all applications, pending at the demo reviewer's teaching point


SHAPE = Shape()
EVEN = Shape(surname_share=0.0, dominant_share=0.2, heavy=(), pending_share=0.1)


def _spread(n, buckets=10_000):
    """A fixed pseudo-random position of ``n`` in [0, 1): multiplying by a prime below the
    modulus is a permutation, so every bucket is hit as evenly as possible."""
    return (n * 7919 % buckets) / buckets


def learner_name(n, shape=SHAPE):
    """Five surnames carry ``surname_share`` each; the others follow, commoner first. One
    learner in five has a one-character given name (王伟), as many real people do."""
    place, common = _spread(n), shape.surname_share * len(COMMON)
    if place < common:
        surname = COMMON[int(place / shape.surname_share)]
    else:
        rest = (place - common) / (1 - common)
        surname = SURNAMES[int(rest * rest * len(SURNAMES))]
    given = GIVEN[(n // 7) % len(GIVEN)]
    if n % 5:
        given += GIVEN[(n // 101) % len(GIVEN)]
    return surname + given


def sample_learner(learners, shape=SHAPE):
    """A learner of the dataset's first third whose surname is the commonest (its
    one-character prefix is the longest such search there is)."""
    n = learners // 3
    while shape.surname_share and not learner_name(n, shape).startswith(COMMON[0]):
        n += 1
    return n


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


def heavy_sizes(achievements, shape=SHAPE):
    """The heavy learners' achievements (fewer on a small dataset, e.g. the tests')."""
    return [min(count, achievements // 20) for count in shape.heavy]


def sizes(achievements, shape=SHAPE):
    heavy = heavy_sizes(achievements, shape)
    learners = max(40, (achievements - sum(heavy)) // 5)
    return {
        "achievements": learners * 5 + sum(heavy),
        "learners": learners,
        "heavy": heavy,
        "applications": learners,
        # Reference data does not grow with the learners: from 100 000 achievements up it
        # has its full size, so that growth from 100k to 1M measures what does grow.
        "catalogue": min(5000, max(60, achievements // 20)),
        "rules": min(300, max(30, achievements // 333)),
        "colleges": 40,
        "teaching_points": 8,
    }


def generate(achievements, log=print, shape=SHAPE):
    """Write the dataset into the current (demo-seeded) database; returns the sizes."""
    size = sizes(achievements, shape)
    seed.seed_demo()
    demo = {u.username: u for u in User.select().where(User.username.in_(["center", "reviewer", "committee",
                                                                           "institution", "learner"]))}
    home = demo["institution"].institution_id
    point = demo["reviewer"].institution_id
    with db.atomic():
        colleges, points = _institutions(size)
        publishers = [home] + colleges
        catalogue_achievements = _catalogue(size, publishers, demo["center"].id, shape)
        rules = _rules(size, publishers, catalogue_achievements, demo["center"].id, shape)
    log(f"  catalogue {len(catalogue_achievements)}, published rules {sum(len(pool) for pool in rules.values())}")
    with db.atomic():
        learners = _learners(size, [point] + points, home, shape)
    log(f"  learners {size['learners']}")
    with db.atomic():
        first_achievement = _achievements(size, learners, catalogue_achievements)
        heavy = _heavy_learners(size, demo["learner"], learners, catalogue_achievements)
    log(f"  achievements {size['achievements']} (heavy learners: {', '.join(str(len(h[1])) for h in heavy)})")
    with db.atomic():
        records = _applications(size, learners, first_achievement, catalogue_achievements, rules, demo, shape)
        records += _heavy_applications(heavy, rules, catalogue_achievements, demo)
    log(f"  applications {size['applications']}, review records {records}")
    with db.atomic():
        _other_rows(size, learners, first_achievement, home, demo, heavy)
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


def _dominant(i, share):
    """Whether row ``i`` belongs to the dominant institution (``share`` of the rows)."""
    return _spread(i, 1000) < share


def _catalogue(size, publishers, center_id, shape):
    types = list(
        Category.select().where(Category.scope == CategoryScope.INSTITUTION, Category.parent.is_null(False),
                                Category.learner_category.is_null(False))
    )
    first = next_id(CatalogueAchievement)
    rows, catalogue_achievements = [], []
    for i in range(size["catalogue"]):
        category = types[i % len(types)]
        institution = publishers[0] if _dominant(i, shape.dominant_share) else publishers[1 + i % (len(publishers) - 1)]
        rows.append({
            "id": first + i,
            "project_name": f"规模项目{i // 10:04d}",
            "name": f"规模成果{i:05d}",
            "institution": institution,
            "category": category.id,
            "recognition_status": RecognitionStatus.RECOGNISED if i % 10 < 7 else RecognitionStatus.UNRECOGNISED,
            "created_at": moment(i, size["catalogue"]),
            "identity_key": catalogue_records.identity_key(f"规模成果{i:05d}", {}),
        })
        catalogue_achievements.append((first + i, institution, category.learner_category_id))
    excel.insert_chunked(CatalogueAchievement, rows, fields={}, created_by=center_id, disabled=False)
    return catalogue_achievements


def _rules(size, publishers, catalogue_achievements, center_id, shape):
    """{"home": [(rule id, institution)], "other": […]}: the published rules of the
    dominant institution and of the others."""
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
    rules, rows, sources, targets = {"home": [], "other": []}, [], [], []
    own = {}
    for catalogue_achievement_id, institution, _category in catalogue_achievements:
        own.setdefault(institution, []).append(catalogue_achievement_id)
    for i in range(size["rules"]):
        institution = publishers[0] if _dominant(i, shape.dominant_share) else publishers[1 + i % (len(publishers) - 1)]
        status = RuleStatus.PUBLISHED if i % 10 < 8 else (RuleStatus.DRAFT if i % 10 == 8 else RuleStatus.WITHDRAWN)
        rows.append({"id": first + i, "code": f"20250000{i:04d}", "name": f"规模转换规则{i:03d}",
                     "rule_type": "nd2d", "institution": institution, "method": methods[institution],
                     "status": status, "created_at": moment(i, size["rules"]),
                     "published_at": moment(i, size["rules"]) if status == RuleStatus.PUBLISHED else None})
        if status == RuleStatus.PUBLISHED:
            rules["home" if institution == publishers[0] else "other"].append((first + i, institution))
        for k in (0, 1):
            source = catalogue_achievements[(i * 2 + k) % len(catalogue_achievements)]
            sources.append({"rule": first + i, "catalogue": source[0]})
        mine = own.get(institution) or [catalogue_achievements[i % len(catalogue_achievements)][0]]
        target = mine[i % len(mine)]
        targets.append({"rule": first + i, "catalogue": target})
    excel.insert_chunked(ConversionRule, rows, commitment_accepted=True, created_by=center_id)
    excel.insert_chunked(RuleSource, sources)
    excel.insert_chunked(RuleTarget, targets)
    return rules


def _learners(size, points, home, shape):
    first = next_id(User)
    total = size["learners"]

    def rows():
        for n in range(total):
            yield {
                "id": first + n,
                "real_name": learner_name(n, shape),
                "phone": learner_phone(n),
                "id_number": learner_id_number(n),
                "status": "active" if n % 5 else "inactive",
                "teaching_point": points[0] if n % 2 == 0 else points[1 + n % (len(points) - 1)],
                "added_by_institution": home if n % 10 == 0 else None,
                "created_at": moment(n, total),
            }

    excel.insert_chunked(User, rows(), role=Role.LEARNER, id_type="id_card", must_change_password=False)
    return [(first + n, points[0] if n % 2 == 0 else points[1 + n % (len(points) - 1)]) for n in range(total)]


def _achievement_row(row_id, learner, catalogue_achievement, stored, status, number, total, certificate=None,
                     duplicate_of=None):
    catalogue_achievement_id, institution, category = catalogue_achievement
    return {
        "id": row_id,
        "learner": learner,
        "catalogue": catalogue_achievement_id,
        "category": category,
        "name": f"规模成果{catalogue_achievement_id:05d}" if catalogue_achievement_id else f"规模业绩{number:07d}",
        "institution": institution,
        "status": status,
        "source": AchievementSource.INSTITUTION if stored else AchievementSource.SELF,
        "stored_by": institution if stored else None,
        "personal_code": certificate,
        "certificate_key": certificate,
        "duplicate_of": duplicate_of,
        "created_at": moment(number, total),
        "updated_at": moment(number, total),
    }


def _achievements(size, learners, catalogue_achievements):
    first = next_id(LearnerAchievement)
    step = len(catalogue_achievements) // 5 + 1
    total = size["learners"] * 5

    def rows():
        for n, (learner, _point) in enumerate(learners):
            for k in range(5):
                catalogue_achievement = catalogue_achievements[(n * 7 + k * step) % len(catalogue_achievements)]
                stored = (n + k) % 5 < 3
                certificate, duplicate_of = None, None
                if k == 0:  # every learner's first achievement has a certificate number
                    certificate = f"ZS{n:09d}"
                    if n % 40 == 39:  # … and one in 40 repeats the previous learner's (重复证书)
                        catalogue_achievement = catalogue_achievements[((n - 1) * 7) % len(catalogue_achievements)]
                        certificate, duplicate_of = f"ZS{n - 1:09d}", first + (n - 1) * 5
                status = AchievementStatus.CATALOGUE if stored else (
                    AchievementStatus.RECOGNISED if k % 2 else AchievementStatus.NOT_APPLIED)
                yield _achievement_row(first + n * 5 + k, learner, catalogue_achievement, stored, status, n * 5 + k,
                                       total, certificate, duplicate_of)

    excel.insert_chunked(LearnerAchievement, rows(), fields={})
    return first


HEAVY_STATUSES = (AchievementStatus.NOT_APPLIED, AchievementStatus.RECOGNISED, AchievementStatus.UNDER_REVIEW,
                  AchievementStatus.RECOGNISED, AchievementStatus.REFUSED)


def _heavy_learners(size, demo_learner, learners, catalogue_achievements):
    """The heavy learners' achievements: the demo learner's first, then the generated
    learners 1 and 2 (whose five are already written). Half are catalogue achievements the
    learner does not hold yet (stored by their institution, or self-added and recognised),
    half informal achievements (业绩类) in every state. Returns [(learner id, [(row id,
    catalogue achievement or None, status)])]."""
    informal = Category.get(Category.code == "perf_competition").id
    owners = [demo_learner.id] + [learners[i][0] for i in range(1, len(size["heavy"]))]
    held = set(LearnerAchievement.select(LearnerAchievement.learner, LearnerAchievement.catalogue)
               .where(LearnerAchievement.learner.in_(owners)).tuples())
    first = next_id(LearnerAchievement)
    rows, heavy, number = [], [], 0
    for owner, count in zip(owners, size["heavy"], strict=True):
        mine = []
        free = (catalogue_achievement for catalogue_achievement in catalogue_achievements
                if (owner, catalogue_achievement[0]) not in held)
        for k in range(count):
            catalogue_achievement = next(free, None) if k % 2 == 0 else None
            if catalogue_achievement is not None:
                stored = k % 4 == 0
                status = AchievementStatus.CATALOGUE if stored else AchievementStatus.RECOGNISED
            else:
                catalogue_achievement, stored = (None, None, informal), False
                status = HEAVY_STATUSES[k % len(HEAVY_STATUSES)]
            row_id = first + number
            rows.append(_achievement_row(row_id, owner, catalogue_achievement, stored, status, k, count))
            mine.append((row_id, catalogue_achievement[0], status))
            number += 1
        heavy.append((owner, mine))
    excel.insert_chunked(LearnerAchievement, rows, fields={})
    return heavy


# (kind, status, stages decided) by learner number n % 20, then n // 20 % 20.
def _plan(n, shape):
    slot, turn = n % 20, (n // 20) % 20
    if slot < 5:
        kind, stages = ApplicationKind.RECOGNITION, [ReviewStage.RECOGNITION]
    elif slot < 17:
        kind, stages = ApplicationKind.CONVERSION, [ReviewStage.INITIAL, ReviewStage.FINAL]
    elif slot < 18:
        kind, stages = ApplicationKind.BATCH, [ReviewStage.BATCH]
    else:
        kind, stages = ApplicationKind.PERFORMANCE, [ReviewStage.PERFORMANCE]
    # Even learners belong to the demo reviewer's teaching point (half of the learners):
    # ``pending_share`` of all applications wait there (batches wait at the receiver).
    if n % 2 == 0 and kind in (ApplicationKind.RECOGNITION, ApplicationKind.CONVERSION) \
            and _spread(n // 2, 1000) < shape.pending_share * 2:
        return kind, ApplicationStatus.PENDING, []
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


REVIEWERS = {ReviewStage.RECOGNITION: "reviewer", ReviewStage.INITIAL: "reviewer", ReviewStage.FINAL: "committee",
             ReviewStage.PERFORMANCE: "committee", ReviewStage.BATCH: "institution"}
BATCH_SIZE = 50  # learners of one generated institution batch


def _application_row(row_id, kind, status, stages, learner, point, achievement, rule, target, when, demo, records,
                     batch=None, initiator=None):
    decided = when + dt.timedelta(days=3) if stages else None
    for stage in stages:
        agree = not (status == ApplicationStatus.REFUSED and stage == stages[-1])
        records.append({"application": row_id, "stage": stage, "reviewer": demo[REVIEWERS[stage]].id,
                        "decision": Decision.AGREE if agree else Decision.DISAGREE,
                        "opinion": "同意" if agree else "不同意", "created_at": decided})
    rule_id, receiver = rule or (None, None)
    granted = status == ApplicationStatus.PASSED and kind != ApplicationKind.RECOGNITION
    return {"id": row_id, "kind": kind, "learner": learner, "achievement": achievement, "rule": rule_id,
            "receiver": receiver, "initiator": initiator, "batch": batch, "target": target, "teaching_point": point,
            "status": status, "submitted_at": when, "decided_stage": stages[-1] if stages else None,
            "initial_reviewed_at": decided if ReviewStage.INITIAL in stages else None,
            # Every passed conversion has its certificate code (minted with the grant).
            "certificate_code": f"SC{row_id:014d}" if granted else None,
            "decided_at": decided if status not in (ApplicationStatus.PENDING, ApplicationStatus.INITIAL_PASSED)
            else None}


def _batches(count, rules, home, when_of):
    """``count`` institution batches, one per BATCH_SIZE batch applications in turn: the
    demo institution's under other institutions' rules, and others' under its own."""
    first = next_id(ConversionBatch)
    rows = []
    for i in range(count):
        mine = i % 2 == 0
        rule, owner = rules["other" if mine else "home"][i % len(rules["other" if mine else "home"])]
        initiator = home if mine else rules["other"][i % len(rules["other"])][1]
        rows.append({"id": first + i, "institution": initiator, "rule": rule, "created_at": when_of(i)})
    excel.insert_chunked(ConversionBatch, rows)
    return [(row["id"], row["rule"], row["institution"]) for row in rows]


def _applications(size, learners, first_achievement, catalogue_achievements, rules, demo, shape):
    first = next_id(Application)
    total = size["applications"]
    home = demo["institution"].institution_id
    records = []
    batch_count = -(-total // 20 // BATCH_SIZE) or 1
    batches = _batches(batch_count, rules, home, lambda i: moment(i * 20 * BATCH_SIZE, total))

    # 65 % of the applications are under a rule (conversions and batches): the demo
    # institution's rules take ``dominant_share`` of all applications.
    under_rules = 13 / 20

    def rule_for(n):
        pool = rules["home"] if _dominant(n, min(1.0, shape.dominant_share / under_rules)) else rules["other"]
        return pool[n % len(pool)]

    def rows():
        for n, (learner, point) in enumerate(learners[:total]):
            kind, status, stages = _plan(n, shape)
            rule, target, batch, initiator = None, None, None, None
            if kind == ApplicationKind.CONVERSION:
                rule = rule_for(n)
            elif kind == ApplicationKind.BATCH:
                batch, rule_id, initiator = batches[(n // 20 // BATCH_SIZE) % len(batches)]
                rule = owners[rule_id]
            elif kind == ApplicationKind.PERFORMANCE:
                target = catalogue_achievements[n % len(catalogue_achievements)][0]
            yield _application_row(first + n, kind, status, stages, learner, point, first_achievement + n * 5, rule,
                                   target, moment(n, total), demo, records, batch, initiator)

    owners = {rule_id: (rule_id, owner) for pool in rules.values() for rule_id, owner in pool}
    excel.insert_chunked(Application, rows())
    excel.insert_chunked(ReviewRecord, records)
    return len(records)


def _heavy_applications(heavy, rules, catalogue_achievements, demo):
    """One application for every fourth achievement of a heavy learner: recognition of
    informal ones, conversion (catalogue) and performance (recognised informal ones)."""
    first = next_id(Application)
    every_rule = rules["home"] + rules["other"]
    records, rows, number = [], [], 0
    for owner, mine in heavy:
        point = User.get_by_id(owner).teaching_point_id
        for k, (achievement, catalogue_achievement_id, status) in enumerate(mine):
            if k % 4:
                continue
            if catalogue_achievement_id is not None:
                kind, stages = ApplicationKind.CONVERSION, [ReviewStage.INITIAL, ReviewStage.FINAL]
                rule, target = every_rule[k % len(every_rule)], None
            elif status == AchievementStatus.RECOGNISED and k % 8 == 0:
                kind, stages, rule = ApplicationKind.PERFORMANCE, [ReviewStage.PERFORMANCE], None
                target = catalogue_achievements[k % len(catalogue_achievements)][0]
            else:
                kind, stages, rule, target = ApplicationKind.RECOGNITION, [ReviewStage.RECOGNITION], None, None
            pending = k % 3 == 0
            rows.append(_application_row(first + number, kind,
                                         ApplicationStatus.PENDING if pending else ApplicationStatus.PASSED,
                                         [] if pending else stages, owner, point, achievement, rule, target,
                                         moment(k, len(mine)), demo, records))
            number += 1
    if rows:
        excel.insert_chunked(Application, rows)
        excel.insert_chunked(ReviewRecord, records)
    return len(records)


def _other_rows(size, learners, first_achievement, home, demo, heavy):
    total = size["applications"]
    institution_user = demo["institution"].id
    excel.insert_chunked(Message, (
        {"user": learners[n][0] if n % 10 else institution_user, "title": f"审核结果通知{n}", "body": "您的申请已审核。",
         "created_at": moment(n, total)} for n in range(total // 2)))
    excel.insert_chunked(Message, (  # a heavy learner's inbox: one message for every other achievement
        {"user": owner, "title": f"审核结果通知{k}", "body": "您的申请已审核。", "created_at": moment(k, len(mine))}
        for owner, mine in heavy for k in range(0, len(mine), 2)))
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
                  Application, ConversionBatch):
        table = model._meta.table_name
        db.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT MAX(id) FROM \"{table}\"))")
