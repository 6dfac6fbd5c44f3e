"""GET /api/v1/applications, /records and /rules: pages by keyset cursor, newest first.

A page is read from an index in the list's order, starting after the previous page's
last row — ``(time, id) < (the cursor's time, id)`` — never by re-reading the rows before
it, so page 10 000 costs what page 1 costs: applications by submission (index
``(receiver | initiator, submitted_at, id)``), records by decision (``(…, decided_at,
id)``), rules by id. Without a direction the received and the initiated rows are two such
reads, merged. A page is at most four list queries whatever its size (the rows, then one
query per related table), scoped to the token's institution through services.accounts.permissions."""
import datetime as dt

from flask import g
from flask_smorest import abort
from peewee import Tuple, Value

from models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    CatalogueAchievement,
    ConversionRule,
    Institution,
    LearnerAchievement,
    ReviewRecord,
    RuleSource,
    RuleTarget,
    User,
)
from services.accounts import permissions
from services.records.validators import mask_id
from views.api.blueprint import READ_ERRORS, bp, errors
from views.api.schemas import ApplicationArgs, ApplicationPage, RecordArgs, RecordPage, RuleArgs, RulePage

CONVERSION_KINDS = (ApplicationKind.CONVERSION, ApplicationKind.BATCH)
# A decided application, and a passed conversion revoked since (the ledger: its status
# tells a client to take back what it recorded).
DECIDED = (ApplicationStatus.PASSED, ApplicationStatus.REFUSED, ApplicationStatus.REVOKED)
EPOCH = dt.datetime(1970, 1, 1)


def documented(view):
    return errors(*READ_ERRORS)(view)


# --- keyset cursors -------------------------------------------------------------------


LATEST_MICROS = (dt.datetime(9999, 12, 31) - EPOCH) // dt.timedelta(microseconds=1)


def encode_cursor(moment, row_id):
    """``<microseconds since 1970>.<id>`` of a page's last row (the id alone when the
    order is the id)."""
    if moment is None:
        return str(row_id)
    return f"{(moment - EPOCH) // dt.timedelta(microseconds=1)}.{row_id}"


def decode_cursor(cursor, timed):
    """(time or None, id) of a cursor; 422 when it is not one this list gives."""
    try:
        if not timed:
            return None, int(cursor)
        micros, dot, row_id = cursor.partition(".")
        if not dot:
            raise ValueError(cursor)
        # A position past the last moment a row can have is that moment (every row is before it).
        return EPOCH + dt.timedelta(microseconds=min(int(micros), LATEST_MICROS)), int(row_id)
    except (ValueError, OverflowError):
        abort(422, message="Invalid cursor: send the next_cursor of the previous page.",
              errors={"query": {"cursor": ["Not a next_cursor of this list."]}})


def after(query, time_field, id_field, cursor):
    """``query`` past the cursor in (time, id) descending order, as one row comparison: the
    planner estimates it as what it is, the rows older than the cursor. Written as
    ``time <= t AND (time < t OR id < i)`` the two time conditions were counted as if
    independent: near the end of the received records PostgreSQL expected 89 rows of 3 901,
    read them all by bitmap, joined and sorted them (32 ms a page, 0.6 as a row comparison
    read in index order)."""
    moment, row_id = decode_cursor(cursor, time_field is not None)
    if time_field is None:
        return query.where(id_field < row_id)
    return query.where(time_field.is_null(False), Tuple(time_field, id_field) < _position(time_field, moment, row_id))


def not_older(query, time_field, id_field, last):
    """``query`` at or before ``last`` (a position) in (time, id) descending order."""
    if time_field is None:
        return query.where(id_field >= last[-1])
    moment, row_id = last
    return query.where(time_field.is_null(False), Tuple(time_field, id_field) >= _position(time_field, moment, row_id))


def _position(time_field, moment, row_id):
    # The time as the column stores it: a tuple's values are not converted by the column.
    return Tuple(Value(moment, converter=time_field.db_value), row_id)


def keyset_page(queries, time_field, id_field, args):
    """(rows of one page, next cursor) from queries each read in (time, id) descending
    order — one statement each, one row more than asked to tell whether another page
    follows — and merged."""
    limit = args["limit"]
    order = ([time_field.desc()] if time_field is not None else []) + [id_field.desc()]

    def position(row):
        return (getattr(row, time_field.name), row.id) if time_field is not None else (row.id,)

    rows = {}
    for query in queries:
        if args.get("cursor"):
            query = after(query, time_field, id_field, args["cursor"])
        if len(rows) > limit:
            # The page is full and another follows: a later query's rows older than the
            # page's last cannot be on it (a received list's 100 rows would be read and
            # built again from the initiated side only to be dropped).
            last = sorted(rows.values(), key=position, reverse=True)[limit - 1]
            query = not_older(query, time_field, id_field, position(last))
        for row in query.order_by(*order).limit(limit + 1):
            rows[row.id] = row

    ordered = sorted(rows.values(), key=position, reverse=True)
    page = ordered[:limit]
    g.api_count = len(page)
    if len(ordered) <= limit or not page:
        return page, None
    last = position(page[-1])
    return page, encode_cursor(last[0] if time_field is not None else None, last[-1])


def day_range(field, start, end):
    conditions = []
    if start:
        conditions.append(field >= dt.datetime.combine(start, dt.time()))
    if end and end < dt.date.max:  # up to 9999-12-31: no upper bound at all
        conditions.append(field < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    return conditions


def _scoped_applications(direction, *conditions):
    """Conversion applications under the institution's rules (received) and of the batches
    it initiated (initiated), as the 转换记录 tabs scope them: one query per direction,
    each row the few columns an item shows (a named tuple: building a hundred model rows
    of five tables each would cost more than the query)."""
    principal = g.api_principal
    query = (
        Application.select(
            Application.id, Application.kind, Application.status, Application.submitted_at, Application.decided_at,
            Application.certificate_code, Application.revoked_at, Application.revoked_reason,
            Application.rule.alias("rule_id"), ConversionRule.code.alias("rule_code"),
            ConversionRule.name.alias("rule_name"), ConversionRule.institution.alias("rule_institution"),
            User.real_name.alias("learner_name"), User.id_number.alias("learner_id_number"),
            LearnerAchievement.name.alias("source_name"), LearnerAchievement.personal_code.alias("source_code"),
            LearnerAchievement.obtained_on.alias("source_obtained_on"))
        .join_from(Application, User, on=(Application.learner == User.id))
        .join_from(Application, LearnerAchievement, on=(Application.achievement == LearnerAchievement.id))
        .join_from(Application, ConversionRule, on=(Application.rule == ConversionRule.id))
        .where(Application.kind.in_(CONVERSION_KINDS), *conditions)
        .namedtuples()
    )
    scopes = {"received": permissions.scope_received, "initiated": permissions.scope_initiated}
    chosen = [scopes[direction]] if direction else list(scopes.values())
    return [scope(query, principal) for scope in chosen]


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
        "direction": "received" if row.rule_institution == institution_id else "initiated",
        "status": row.status,
        "status_label": str(ApplicationStatus.label(row.status)),
        "submitted_at": row.submitted_at,
        "decided_at": row.decided_at,
        "rule": {"id": row.rule_id, "code": row.rule_code, "name": row.rule_name},
        "learner": {"name": row.learner_name, "id_number": mask_id(row.learner_id_number)},
        "source": {"name": row.source_name, "personal_code": row.source_code, "obtained_on": row.source_obtained_on},
        "targets": targets.get(row.rule_id, []),
        "revoked_at": row.revoked_at,
        "revoked_reason": row.revoked_reason,
    }


@bp.route("/applications", methods=["GET"])
@bp.arguments(ApplicationArgs, location="query")
@bp.response(200, ApplicationPage)
@documented
def applications(args):
    """Your institution's conversion applications

    Received (learners' and other institutions' applications under your rules) and
    initiated (your batch applications under other institutions' rules), in any state."""
    conditions = day_range(Application.submitted_at, args.get("submitted_from"), args.get("submitted_to"))
    if args.get("status"):
        conditions.append(Application.status == args["status"])
    queries = _scoped_applications(args.get("direction"), *conditions)
    rows, cursor = keyset_page(queries, Application.submitted_at, Application.id, args)
    targets = _target_names({row.rule_id for row in rows})
    institution_id = g.api_principal.institution_id
    return {"items": [_application(row, targets, institution_id) for row in rows], "next_cursor": cursor}


@bp.route("/records", methods=["GET"])
@bp.arguments(RecordArgs, location="query")
@bp.response(200, RecordPage)
@documented
def records(args):
    """Your institution's conversion records

    Decided conversion applications (review passed or not passed, or passed and
    revoked since, with when and why) with their certificate code and every review
    decision, the latest decided first."""
    conditions = [Application.status.in_([args["result"]] if args.get("result") else DECIDED),
                  Application.decided_at.is_null(False),
                  *day_range(Application.decided_at, args.get("decided_from"), args.get("decided_to"))]
    queries = _scoped_applications(args.get("direction"), *conditions)
    rows, cursor = keyset_page(queries, Application.decided_at, Application.id, args)
    targets = _target_names({row.rule_id for row in rows})
    reviews = {}
    for application_id, stage, decision, opinion, created_at in (
        ReviewRecord.select(ReviewRecord.application, ReviewRecord.stage, ReviewRecord.decision, ReviewRecord.opinion,
                            ReviewRecord.created_at)
        .where(ReviewRecord.application.in_([row.id for row in rows]))
        .order_by(ReviewRecord.created_at, ReviewRecord.id)
        .tuples()
    ):
        reviews.setdefault(application_id, []).append(
            {"stage": stage, "decision": decision, "opinion": opinion, "created_at": created_at})
    institution_id = g.api_principal.institution_id
    items = [
        {**_application(row, targets, institution_id), "certificate_code": row.certificate_code,
         "reviews": reviews.get(row.id, [])}
        for row in rows
    ]
    return {"items": items, "next_cursor": cursor}


def _catalogue_achievements(model, rule_ids):
    catalogue_achievements = {}
    query = (
        model.select(model, CatalogueAchievement, Institution)
        .join(CatalogueAchievement, on=(model.catalogue == CatalogueAchievement.id))
        .join(Institution, on=(CatalogueAchievement.institution == Institution.id))
        .where(model.rule.in_(rule_ids))
        .order_by(model.id)
    )
    for link in query:
        catalogue_achievement = link.catalogue
        catalogue_achievements.setdefault(link.rule_id, []).append({
            "id": catalogue_achievement.id, "name": catalogue_achievement.name,
            "institution": catalogue_achievement.institution.name,
            "credits": link.credits if model is RuleSource else catalogue_achievement.credits,
            "exempt_modules": getattr(link, "exempt_modules", None),
        })
    return catalogue_achievements


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
    rows, cursor = keyset_page([query], None, ConversionRule.id, args)
    ids = [row.id for row in rows]
    sources, targets = _catalogue_achievements(RuleSource, ids), _catalogue_achievements(RuleTarget, ids)
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
