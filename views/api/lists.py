"""GET /api/v1/applications, /records and /rules: pages by cursor (newest first), a fixed
number of queries per page whatever its size (the page, then one query per related
table), each scoped to the token's institution through services.permissions."""
import datetime as dt

from flask import g
from peewee import JOIN

from models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    CatalogueAchievement,
    ConversionBatch,
    ConversionRule,
    Institution,
    LearnerAchievement,
    ReviewRecord,
    RuleSource,
    RuleTarget,
    User,
)
from services import permissions
from services.validators import mask_id
from views.api import READ_ERRORS, bp, errors
from views.api.schemas import ApplicationArgs, ApplicationPage, RecordArgs, RecordPage, RuleArgs, RulePage

CONVERSION_KINDS = (ApplicationKind.CONVERSION, ApplicationKind.BATCH)
DECIDED = (ApplicationStatus.PASSED, ApplicationStatus.REFUSED)


def documented(view):
    return errors(*READ_ERRORS)(view)


def page_of(query, id_field, args):
    """(rows of one page, next cursor): ids below the cursor, newest first, one row more
    than asked to tell whether another page follows."""
    if args.get("cursor"):
        query = query.where(id_field < args["cursor"])
    rows = list(query.order_by(id_field.desc()).limit(args["limit"] + 1))
    more = len(rows) > args["limit"]
    rows = rows[: args["limit"]]
    g.api_count = len(rows)
    return rows, (rows[-1].id if more and rows else None)


def day_range(field, start, end):
    conditions = []
    if start:
        conditions.append(field >= dt.datetime.combine(start, dt.time()))
    if end and end < dt.date.max:  # up to 9999-12-31: no upper bound at all
        conditions.append(field < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    return conditions


def _scoped_applications(direction):
    """Conversion applications under the institution's rules (received) and of the batches
    it initiated (initiated), as the 转换记录 tabs scope them."""
    principal = g.api_principal
    # The learner, the source achievement and the rule of each row come with the page.
    query = Application.select(Application, User, LearnerAchievement, ConversionRule, ConversionBatch)
    for model, field, how in ((User, Application.learner, JOIN.INNER),
                              (LearnerAchievement, Application.achievement, JOIN.INNER),
                              (ConversionRule, Application.rule, JOIN.INNER),
                              (ConversionBatch, Application.batch, JOIN.LEFT_OUTER)):
        query = query.join_from(Application, model, how, on=(field == model.id))
    query = query.where(Application.kind.in_(CONVERSION_KINDS))
    received = permissions.scope_received(Application.select(Application.id), principal)
    initiated = permissions.scope_initiated(Application.select(Application.id), principal)
    if direction == "received":
        return query.where(Application.id.in_(received))
    if direction == "initiated":
        return query.where(Application.id.in_(initiated))
    return query.where(Application.id.in_(received) | Application.id.in_(initiated))


def _target_names(rule_ids):
    names = {}
    for rule_id, name in (
        RuleTarget.select(RuleTarget.rule, CatalogueAchievement.name)
        .join(CatalogueAchievement, on=(RuleTarget.catalogue == CatalogueAchievement.id))
        .where(RuleTarget.rule.in_(rule_ids))
        .order_by(RuleTarget.id)
        .tuples()
    ):
        names.setdefault(rule_id, []).append(name)
    return names


def _application(row, targets, institution_id):
    return {
        "id": row.id,
        "kind": row.kind,
        "direction": "received" if row.rule.institution_id == institution_id else "initiated",
        "status": row.status,
        "status_label": str(ApplicationStatus.label(row.status)),
        "submitted_at": row.submitted_at,
        "decided_at": row.decided_at,
        "rule": {"id": row.rule.id, "code": row.rule.code, "name": row.rule.name},
        "learner": {"name": row.learner.real_name, "id_number": mask_id(row.learner.id_number)},
        "source": {"name": row.achievement.name, "personal_code": row.achievement.personal_code,
                   "obtained_on": row.achievement.obtained_on},
        "targets": targets.get(row.rule_id, []),
    }


@bp.route("/applications", methods=["GET"])
@bp.arguments(ApplicationArgs, location="query")
@bp.response(200, ApplicationPage)
@documented
def applications(args):
    """Your institution's conversion applications

    Received (learners' and other institutions' applications under your rules) and
    initiated (your batch applications under other institutions' rules), in any state."""
    query = _scoped_applications(args.get("direction"))
    if args.get("status"):
        query = query.where(Application.status == args["status"])
    for condition in day_range(Application.submitted_at, args.get("submitted_from"), args.get("submitted_to")):
        query = query.where(condition)
    rows, cursor = page_of(query, Application.id, args)
    targets = _target_names({row.rule_id for row in rows})
    institution_id = g.api_principal.institution_id
    return {"items": [_application(row, targets, institution_id) for row in rows], "next_cursor": cursor}


@bp.route("/records", methods=["GET"])
@bp.arguments(RecordArgs, location="query")
@bp.response(200, RecordPage)
@documented
def records(args):
    """Your institution's conversion records

    Decided conversion applications (review passed or not passed) with their
    certificate code and every review decision, oldest first."""
    query = _scoped_applications(args.get("direction")).where(
        Application.status.in_([args["result"]] if args.get("result") else DECIDED))
    for condition in day_range(Application.decided_at, args.get("decided_from"), args.get("decided_to")):
        query = query.where(condition)
    rows, cursor = page_of(query, Application.id, args)
    targets = _target_names({row.rule_id for row in rows})
    reviews = {}
    for review in (
        ReviewRecord.select().where(ReviewRecord.application.in_([row.id for row in rows]))
        .order_by(ReviewRecord.created_at, ReviewRecord.id)
    ):
        reviews.setdefault(review.application_id, []).append(
            {"stage": review.stage, "decision": review.decision, "opinion": review.opinion,
             "created_at": review.created_at})
    institution_id = g.api_principal.institution_id
    items = [
        {**_application(row, targets, institution_id), "certificate_code": row.certificate_code,
         "reviews": reviews.get(row.id, [])}
        for row in rows
    ]
    return {"items": items, "next_cursor": cursor}


def _entries(model, rule_ids):
    entries = {}
    query = (
        model.select(model, CatalogueAchievement, Institution)
        .join(CatalogueAchievement, on=(model.catalogue == CatalogueAchievement.id))
        .join(Institution, on=(CatalogueAchievement.institution == Institution.id))
        .where(model.rule.in_(rule_ids))
        .order_by(model.id)
    )
    for link in query:
        entry = link.catalogue
        entries.setdefault(link.rule_id, []).append({
            "id": entry.id, "name": entry.name, "institution": entry.institution.name,
            "credits": link.credits if model is RuleSource else entry.credits,
            "exempt_modules": getattr(link, "exempt_modules", None),
        })
    return entries


@bp.route("/rules", methods=["GET"])
@bp.arguments(RuleArgs, location="query")
@bp.response(200, RulePage)
@documented
def rules(args):
    """The public rule catalogue

    Published conversion rules of every institution, as the portal's 规则查询 shows them."""
    query = (
        ConversionRule.published()
        .select(ConversionRule, Institution)
        .join(Institution, on=(ConversionRule.institution == Institution.id))
    )
    if args.get("institution_id"):
        query = query.where(ConversionRule.institution == args["institution_id"])
    if args.get("rule_type"):
        query = query.where(ConversionRule.rule_type == args["rule_type"])
    rows, cursor = page_of(query, ConversionRule.id, args)
    ids = [row.id for row in rows]
    sources, targets = _entries(RuleSource, ids), _entries(RuleTarget, ids)
    items = [
        {
            "id": row.id, "code": row.code, "name": row.name, "rule_type": row.rule_type,
            "institution": {"id": row.institution.id, "name": row.institution.name},
            "target_major": row.target_major, "target_level": row.target_level, "description": row.description,
            "published_at": row.published_at, "sources": sources.get(row.id, []), "targets": targets.get(row.id, []),
        }
        for row in rows
    ]
    return {"items": items, "next_cursor": cursor}
