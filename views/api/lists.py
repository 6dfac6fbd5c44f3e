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
from peewee import Tuple

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
from models.base import Prepared, Slot
from services.accounts import permissions
from services.records.validators import mask_id
from views.api.blueprint import READ_ERRORS, bp, errors
from views.api.schemas import MAX_ID, ApplicationArgs, ApplicationPage, RecordArgs, RecordPage, RuleArgs, RulePage

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
        # A position past the last moment or id a row can have is that moment or id (every
        # row is before it): a kept statement's parameter has the column's type.
        if not timed:
            return None, min(int(cursor), MAX_ID)
        micros, dot, row_id = cursor.partition(".")
        if not dot:
            raise ValueError(cursor)
        return EPOCH + dt.timedelta(microseconds=min(int(micros), LATEST_MICROS)), min(int(row_id), MAX_ID)
    except (ValueError, OverflowError):
        abort(422, message="Invalid cursor: send the next_cursor of the previous page.",
              errors={"query": {"cursor": ["Not a next_cursor of this list."]}})


class _Reach:
    """The token's principal as a kept statement is written: its institution a slot,
    filled by each run (permissions' scopes serve every token's statements unchanged)."""

    role = permissions.INSTITUTION
    institution_id = Slot("institution")


class Keyset:
    """A list read by keyset cursor from an index in its order. ``base(side, principal)``:
    the list's query for one side (received, initiated, or None for a list of one),
    scoped to ``principal``; a page adds its filters (``{name: (condition of a value,
    value)}``), the cursor and its size. The SQL of each shape is written once and
    PostgreSQL keeps it planned on each connection (``models.base.Prepared``): for a page
    of 100 records at 1 000 000 achievements, planning the two sides' four-table
    statements took 2.7 ms of the 4.7 their running took, and peewee writing them 1.0 ms
    more (in-process 26 → 14 ms a page)."""

    def __init__(self, base, time_field, id_field):
        self.base, self.time_field, self.id_field = base, time_field, id_field
        self._statements = {}

    def _position(self, kind):
        slots = (Slot(f"{kind}_time"), Slot(f"{kind}_id"))
        return Tuple(*slots) if self.time_field is not None else slots[1]

    def _key(self):
        return Tuple(self.time_field, self.id_field) if self.time_field is not None else self.id_field

    def _statement(self, side, filters, after, bound):
        shape = (side, tuple(sorted(filters)), after, bound)
        statement = self._statements.get(shape)
        if statement is None:
            conditions = {name: condition for name, (condition, _value) in filters.items()}
            statement = self._statements[shape] = Prepared(
                lambda **slots: self._build(side, conditions, after, bound, slots), *conditions, "limit", server=True)
        return statement

    def _build(self, side, conditions, after, bound, slots):
        query = self.base(side, _Reach()).where(*(condition(slots[name]) for name, condition in conditions.items()))
        if self.time_field is not None and (after or bound):
            query = query.where(self.time_field.is_null(False))
        # One row comparison each: the planner estimates it as what it is, the rows
        # older than the cursor. Written as ``time <= t AND (time < t OR id < i)`` the two
        # time conditions were counted as if independent: near the end of the received
        # records PostgreSQL expected 89 rows of 3 901, read them all by bitmap, joined
        # and sorted them (32 ms a page, 0.6 as a row comparison read in index order).
        if after:
            query = query.where(self._key() < self._position("after"))
        if bound:
            query = query.where(self._key() >= self._position("bound"))
        order = ([self.time_field.desc()] if self.time_field is not None else []) + [self.id_field.desc()]
        return query.order_by(*order).limit(slots["limit"])

    def _values(self, kind, position):
        if self.time_field is None:
            return {f"{kind}_id": position[-1]}
        moment, row_id = position
        # What the column stores: a slot's value is not converted by the column.
        return {f"{kind}_time": self.time_field.db_value(moment), f"{kind}_id": row_id}

    def page(self, args, sides=(None,), filters=None):
        """(rows of one page, next cursor): each side read in (time, id) descending order
        — one statement each, one row more than asked to tell whether another page
        follows — and merged."""
        limit, filters = args["limit"], filters or {}
        timed = self.time_field is not None
        values = {name: value for name, (_condition, value) in filters.items()}
        values.update(limit=limit + 1, institution=g.api_principal.institution_id)
        after = decode_cursor(args["cursor"], timed) if args.get("cursor") else None
        if after is not None:
            values.update(self._values("after", after))

        def position(row):
            return (getattr(row, self.time_field.name), row.id) if timed else (row.id,)

        rows = {}
        for side in sides:
            bound = None
            if len(rows) > limit:
                # The page is full and another follows: a later side's rows older than the
                # page's last cannot be on it (a received list's 100 rows would be read and
                # built again from the initiated side only to be dropped).
                bound = position(sorted(rows.values(), key=position, reverse=True)[limit - 1])
                values.update(self._values("bound", bound))
            statement = self._statement(side, filters, after is not None, bound is not None)
            for row in statement.run(**values):
                rows[row.id] = row

        ordered = sorted(rows.values(), key=position, reverse=True)
        page = ordered[:limit]
        g.api_count = len(page)
        if len(ordered) <= limit or not page:
            return page, None
        last = position(page[-1])
        return page, encode_cursor(last[0] if timed else None, last[-1])


def day_range(field, start, end, prefix):
    """The filters of a day range: from the start of ``start`` to the end of ``end``."""
    filters = {}
    if start:
        filters[f"{prefix}_from"] = (lambda value: field >= value, field.db_value(dt.datetime.combine(start, dt.time())))
    if end and end < dt.date.max:  # up to 9999-12-31: no upper bound at all
        day_after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
        filters[f"{prefix}_to"] = (lambda value: field < value, field.db_value(day_after))
    return filters


def _conversions(side, principal):
    """Conversion applications under the institution's rules (received) or of the batches
    it initiated (initiated), as the 转换记录 tabs scope them, each row the few columns an
    item shows (a named tuple: building a hundred model rows of five tables each would
    cost more than the query)."""
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
        .where(Application.kind.in_(CONVERSION_KINDS))
        .namedtuples()
    )
    scope = {"received": permissions.scope_received, "initiated": permissions.scope_initiated}[side]
    return scope(query, principal)


def _sides(direction):
    return [direction] if direction else ["received", "initiated"]


BY_SUBMISSION = Keyset(_conversions, Application.submitted_at, Application.id)
BY_DECISION = Keyset(lambda side, principal: _conversions(side, principal).where(Application.decided_at.is_null(False)),
                     Application.decided_at, Application.id)


def _target_names(rule_ids):
    # The name read by the target's key (a subquery) rather than joined: PostgreSQL hashed
    # the whole catalogue to join a page's few dozen targets (0.84 ms against 0.41).
    name = (CatalogueAchievement.select(CatalogueAchievement.name)
            .where(CatalogueAchievement.id == RuleTarget.catalogue))
    names = {}
    for rule_id, target_name in (
        RuleTarget.select(RuleTarget.rule, name).where(RuleTarget.rule.in_(rule_ids)).order_by(RuleTarget.id).tuples()
    ):
        names.setdefault(rule_id, []).append(target_name)
    return names


def _item_maker(rows):
    """The item of a page's row: what every item shares (the rules' targets, the status
    labels, the institution) is looked up once a page."""
    targets = _target_names({row.rule_id for row in rows})
    labels = {status: str(ApplicationStatus.label(status)) for status in {row.status for row in rows}}
    institution_id = g.api_principal.institution_id

    def item(row):
        return {
            "id": row.id,
            "kind": row.kind,
            "direction": "received" if row.rule_institution == institution_id else "initiated",
            "status": row.status,
            "status_label": labels[row.status],
            "submitted_at": row.submitted_at,
            "decided_at": row.decided_at,
            "rule": {"id": row.rule_id, "code": row.rule_code, "name": row.rule_name},
            "learner": {"name": row.learner_name, "id_number": mask_id(row.learner_id_number)},
            "source": {"name": row.source_name, "personal_code": row.source_code,
                       "obtained_on": row.source_obtained_on},
            "targets": targets.get(row.rule_id, []),
            "revoked_at": row.revoked_at,
            "revoked_reason": row.revoked_reason,
        }

    return item


@bp.route("/applications", methods=["GET"])
@bp.arguments(ApplicationArgs, location="query")
@bp.response(200, ApplicationPage)
@documented
def applications(args):
    """Your institution's conversion applications

    Received (learners' and other institutions' applications under your rules) and
    initiated (your batch applications under other institutions' rules), in any state."""
    filters = day_range(Application.submitted_at, args.get("submitted_from"), args.get("submitted_to"), "submitted")
    if args.get("status"):
        filters["status"] = (lambda value: Application.status == value, args["status"])
    rows, cursor = BY_SUBMISSION.page(args, _sides(args.get("direction")), filters)
    item = _item_maker(rows)
    return {"items": [item(row) for row in rows], "next_cursor": cursor}


@bp.route("/records", methods=["GET"])
@bp.arguments(RecordArgs, location="query")
@bp.response(200, RecordPage)
@documented
def records(args):
    """Your institution's conversion records

    Decided conversion applications (review passed or not passed, or passed and
    revoked since, with when and why) with their certificate code and every review
    decision, the latest decided first."""
    filters = day_range(Application.decided_at, args.get("decided_from"), args.get("decided_to"), "decided")
    if args.get("result"):
        filters["result"] = (lambda value: Application.status == value, args["result"])
    else:  # a condition of no value: any decided status
        filters["decided"] = (lambda _value: Application.status.in_(DECIDED), None)
    rows, cursor = BY_DECISION.page(args, _sides(args.get("direction")), filters)
    item = _item_maker(rows)
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
    items = [{**item(row), "certificate_code": row.certificate_code, "reviews": reviews.get(row.id, [])}
             for row in rows]
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


PUBLISHED_RULES = Keyset(
    lambda _side, _principal: (ConversionRule.published().select(ConversionRule, Institution)
                               .join(Institution, on=(ConversionRule.institution == Institution.id))),
    None, ConversionRule.id)


@bp.route("/rules", methods=["GET"])
@bp.arguments(RuleArgs, location="query")
@bp.response(200, RulePage)
@documented
def rules(args):
    """The public rule catalogue

    Published conversion rules of every institution, as the portal's 规则查询 shows them."""
    filters = {}
    if args.get("institution_id"):
        filters["institution_id"] = (lambda value: ConversionRule.institution == value, args["institution_id"])
    if args.get("rule_type"):
        filters["rule_type"] = (lambda value: ConversionRule.rule_type == value, args["rule_type"])
    rows, cursor = PUBLISHED_RULES.page(args, filters=filters)
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
