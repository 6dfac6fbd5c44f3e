"""An issued 学习档案 (record statement): what it stated, its PDF and its presentation.

Each download issues a statement: a new random code (80 bits) and the items and credit
totals of that moment, kept so that /verify/<code> shows the statement as issued and
marks, from the records, each item that no longer stands. The same statement is also a
Verifiable Presentation: one JWT signed by the platform holding each item's own Open
Badges credential (services/credentials), checked at /verify like a single credential.
"""
import datetime as dt
import io
import secrets
from xml.sax.saxutils import escape

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from models import AchievementStatus, Application, ApplicationStatus, LearnerAchievement, RecordStatement, User
from services.core import audit
from services.core.database import transaction
from services.credentials import addresses, claims, keys
from services.files import qr
from services.learning_record import items as record
from services.ledger.certificate import FONT_NAME, register_font
from services.records.validators import mask_id

VP_TYPE = "vp+jwt"
STATE_LABELS = {record.ACHIEVEMENT: AchievementStatus, record.CONVERSION: ApplicationStatus}


def state_label(item):
    return STATE_LABELS[item["type"]].label(item["state"])


def mint_code():
    return secrets.token_hex(10).upper()


def issue(learner):
    """A new statement of ``learner``'s record as it stands now."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):  # one text for every reader
        items = record.record_items(learner.id)
        totals = record.totals(items)
    with transaction():
        statement = RecordStatement.create(learner=learner.id, code=mint_code(), items=items, totals=totals)
        audit.record("record_statement_issued", statement, user=learner, items=len(items))
    return statement


def for_code(code):
    value = (code or "").strip().upper()[:32]
    return RecordStatement.get_or_none(RecordStatement.code == value) if value else None


def with_current_states(statement):
    """The statement's items as issued, each with ``now`` (the item as it is now, or None
    when gone) and ``fallen`` (no longer standing)."""
    current = record.items_by_key(statement.learner_id, [(i["type"], i["id"]) for i in statement.items])
    shown = []
    for item in statement.items:
        now = current.get((item["type"], item["id"]))
        shown.append({**item, "now": now, "fallen": not record.is_standing(now)})
    return shown


def verify_url(statement):
    return addresses.public_url("portal.verify", code=statement.code)


# --- the PDF ------------------------------------------------------------------------------


def _credits(value):
    return "" if value is None else f"{value:g}"


def render_pdf(statement):
    """The statement as a PDF (CJK font embedded) with its code and a QR code of its URL."""
    register_font()
    learner = User.get_by_id(statement.learner_id)
    url = verify_url(statement)
    base = ParagraphStyle("body", fontName=FONT_NAME, fontSize=9, leading=13)
    title = ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=1)
    heading = ParagraphStyle("heading", parent=base, fontSize=12, leading=18, spaceBefore=6)
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=11, textColor=colors.grey)

    def p(text, style=base):
        return Paragraph(escape(str(text)), style)

    def table(rows, widths, header=True):
        grid = Table([[p(c) for c in row] for row in rows], colWidths=[w * mm for w in widths], repeatRows=1)
        grid.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0 if header else -1), colors.whitesmoke),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]))
        return grid

    identity = table([
        [_("Learner"), f"{learner.real_name}（{mask_id(learner.id_number)}）"],
        [_("Issued at"), statement.issued_at.strftime("%Y-%m-%d %H:%M")],
        [_("Verification code"), statement.code],
    ], (35, 90), header=False)
    head = Table([[identity, qr.drawing(url, 34 * mm)]], colWidths=[130 * mm, 40 * mm])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    totals = statement.totals or {}
    by_level = [[_("Framework level"), _("Achievements"), _("Credits")]] + [
        [name, count, _credits(credits)] for name, count, credits in totals.get("by_level", [])]
    by_kind = [[_("Achievement category"), _("Achievements"), _("Credits")]] + [
        [name, count, _credits(credits)] for name, count, credits in totals.get("by_kind", [])]
    rows = [[_("Type"), _("Achievement name"), _("Issuing body"), _("Date"), _("Credits"), _("Framework level"), _("State")]]
    for item in statement.items:
        kind = _("Achievement") if item["type"] == record.ACHIEVEMENT else _("Conversion")
        name = item["name"] + (f"（{_('from')} {item['source']}）" if item.get("source") else "")
        rows.append([f"{kind} · {item['category']}", name, item["issuer"], item["date"], _credits(item["credits"]),
                     item["level"], str(state_label(item))])
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, title=_("Learning record statement"),
                                 leftMargin=15 * mm, rightMargin=15 * mm, topMargin=18 * mm, bottomMargin=15 * mm)
    document.build([
        p(_("Learning record statement"), title), Spacer(1, 4 * mm), head, Spacer(1, 4 * mm),
        p(_("Credit-bank credits: %(credits)s (%(count)s achievements)",
            credits=_credits(totals.get("total", 0)), count=totals.get("count", 0)), heading),
        Table([[table(by_level, (40, 22, 18)), table(by_kind, (40, 22, 18))]], colWidths=[88 * mm, 88 * mm]),
        p(_("Recognised achievements and passed conversions"), heading),
        table(rows, (24, 46, 30, 21, 11, 24, 24)) if len(rows) > 1 else p(_("None yet")),
        Spacer(1, 5 * mm),
        p(_("Scan the QR code or open %(url)s to check this statement: the page shows it as issued and marks any "
            "item revoked or withdrawn since.", url=url), small),
    ])
    return buffer.getvalue()


# --- the Verifiable Presentation ------------------------------------------------------------


def _credential_of(item):
    """The item's own signed credential, or None when it no longer exists."""
    if item["type"] == record.ACHIEVEMENT:
        row = LearnerAchievement.get_or_none(LearnerAchievement.id == item["id"])
        return claims.achievement_credential(row) if row else None
    row = Application.get_or_none(Application.id == item["id"])
    return claims.conversion_credential(row) if row else None


def presentation(statement):
    """The statement as one JWT (VC-JOSE ``vp+jwt``) signed by the platform: the item
    credentials enveloped, the statement's code and verification address."""
    url = verify_url(statement)
    credentials = [token for token in map(_credential_of, statement.items) if token]
    issued = dt.datetime.now(dt.UTC).replace(microsecond=0)
    payload = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation", "LearningRecordStatement"],
        "id": url,
        "holder": addresses.issuer_id(),
        "verifiableCredential": [
            {"@context": "https://www.w3.org/ns/credentials/v2", "type": "EnvelopedVerifiableCredential",
             "id": f"data:application/vc+jwt,{token}"} for token in credentials],
        "statementCode": statement.code,
        "iss": addresses.issuer_id(), "jti": url, "iat": int(issued.timestamp()),
    }
    return keys.sign(payload, typ=VP_TYPE)
