"""学习档案 of the learner area: the whole record (recognised achievements and passed
conversions, credits by framework level and category), the statement as a PDF or a
Verifiable Presentation, and share links (make, list, extend, revoke). Routes of the
``learner`` blueprint; writes go through services.learning_record."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from models import RecordStatement
from services.core import pagination
from services.core.pagination import Page, paginate
from services.credentials import addresses, keys
from services.files import qr
from services.learning_record import items as record
from services.learning_record import sharing, statements
from services.ledger import pathways
from services.records.errors import Refused
from views.learner.base import bp, me
from web import inputs

PDF = "application/pdf"


PAGE_SIZE = 20


def _number(name):
    return min(max(request.args.get(name, 1, type=inputs.db_int) or 1, 1), pagination.MAX_PAGE)


def _page(form=None, errors=None, status=200):
    """学习档案: the credits of 学分账户 and the record a page at a time (achievements and
    conversions each paged: a learner may hold thousands)."""
    user = me()
    account = pathways.credit_account(user.id)
    number, conversion_number = _number("page"), _number("cpage")
    achievements = Page(record.achievements_page(user.id, number, PAGE_SIZE), number, PAGE_SIZE, account["count"], "")
    rows, total = record.conversions_page(user.id, conversion_number, PAGE_SIZE)
    conversions = Page(rows, conversion_number, PAGE_SIZE, total, "")
    return render_template(
        "learner/record.html", achievements=achievements, conversions=conversions, account=account,
        links=list(sharing.own_links(user)), state_of=sharing.state, state_labels=sharing.STATE_LABELS,
        days=sharing.DAYS, form=form or FlaskForm(), errors=errors or {}, item_state=statements.state_label,
    ), status


@bp.route("/record")
def record_page():
    return _page()


@bp.route("/record/statements")
def statements_page():
    """已出具的学习档案: each statement's PDF, presentation and verification page, newest first."""
    query = RecordStatement.select().where(RecordStatement.learner == me().id)
    page = paginate(query, request.args, {"issued": RecordStatement.issued_at}, "-issued")
    return render_template("learner/record_statements.html", page=page)


def _own_statement(statement_id):
    statement = RecordStatement.get_or_none(RecordStatement.id == statement_id, RecordStatement.learner == me().id)
    if statement is None:
        abort(404)
    return statement


@bp.route("/record/statements", methods=["POST"])
def issue_statement():
    """下载学习档案: a new statement of the record now, then its PDF."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    statement = statements.issue(me())
    return redirect(url_for("learner.statement_pdf", statement_id=statement.id))


@bp.route("/record/statements/<int:statement_id>.pdf")
def statement_pdf(statement_id):
    statement = _own_statement(statement_id)
    return statements.render_pdf(statement), 200, {
        "Content-Type": PDF, "Cache-Control": "no-store",
        "Content-Disposition": f"attachment; filename=learning-record-{statement.code}.pdf"}


@bp.route("/record/statements/<int:statement_id>.jwt")
def statement_presentation(statement_id):
    """The statement as one signed Verifiable Presentation of its items' credentials."""
    statement = _own_statement(statement_id)
    try:
        token = statements.presentation(statement)
    except keys.KeyUnavailable:
        current_app.logger.exception("credential signing key unavailable")
        flash(_("Credentials cannot be signed at the moment; please try again later."), "danger")
        return redirect(url_for("learner.record_page"))
    return token, 200, {"Content-Type": "application/vp+jwt", "Cache-Control": "no-store",
                        "Content-Disposition": f"attachment; filename=learning-record-{statement.code}.jwt"}


def _selected():
    keys_ = []
    for value in request.form.getlist("items"):
        kind, _sep, number = value.partition(":")
        if kind in record.TYPES and number.isdigit() and len(number) < 19:
            keys_.append((kind, int(number)))
    return keys_


@bp.route("/record/links", methods=["POST"])
def create_link():
    """分享: a link to the records ticked (or all) for 7, 30 or 90 days, shown once."""
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    days = request.form.get("days", type=int)
    try:
        link, token = sharing.create(me(), _selected(), days, label=request.form.get("label"),
                                     everything=request.form.get("everything") == "1")
    except Refused as refused:
        return _page(errors={r.field or "items": str(r) for r in refused.refusals}, status=400)
    url = addresses.public_url("shared.view", token=token)
    return render_template("learner/share_created.html", link=link, url=url,
                           qr_svg=qr.svg(url, _("QR code of the share link")), count=len(link.items))


def _own_link(link_id):
    link = sharing.own_link(me(), link_id)
    if link is None:
        abort(404)
    return link


@bp.route("/record/links/<int:link_id>/extend", methods=["POST"])
def extend_link(link_id):
    link = _own_link(link_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        sharing.extend(me(), link, request.form.get("days", type=int))
    except Refused as refused:
        flash(str(refused), "danger")
    else:
        flash(_("The link now runs until %(date)s.", date=sharing.own_link(me(), link.id).expires_at
                .strftime("%Y-%m-%d %H:%M")), "success")
    return redirect(url_for("learner.record_page") + "#share-links")


@bp.route("/record/links/<int:link_id>/revoke", methods=["POST"])
def revoke_link(link_id):
    link = _own_link(link_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    if sharing.revoke(me(), link):
        flash(_("The link has been revoked: it no longer opens."), "success")
    return redirect(url_for("learner.record_page") + "#share-links")
