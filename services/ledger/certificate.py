"""转换证明: the conversion certificate as a PDF (SPEC §8), verifiable at /verify/<code>.

ReportLab embeds only TrueType outlines, so the CJK font is WenQuanYi Zen Hei
(Debian ``fonts-wqy-zenhei``, a TrueType collection); it is embedded (subset) in
every PDF, which therefore renders on any reader."""
from __future__ import annotations

import io
import os
from typing import Any
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from peewee import JOIN
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from models import Application, ApplicationKind, CatalogueAchievement, Institution, LearnerAchievement, RuleTarget, User
from services.files import qr
from services.records.validators import mask_id

FONT_NAME = "WenQuanYiZenHei"
FONT_PATHS = (
    os.environ.get("CERTIFICATE_FONT", ""),
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


def register_font() -> None:
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return
    path = next((p for p in FONT_PATHS if p and os.path.exists(p)), None)
    if path is None:
        raise RuntimeError("No CJK TrueType font: install fonts-wqy-zenhei (scripts/system-deps.sh)")
    pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))


def certificate_facts(application: Application) -> dict[str, Any]:
    """What the certificate states, shared by the PDF and the /verify page."""
    learner = User.get_by_id(application.learner_id)
    source = (
        LearnerAchievement.select(LearnerAchievement, Institution)
        .join(Institution, on=(LearnerAchievement.institution == Institution.id), join_type=JOIN.LEFT_OUTER)
        .where(LearnerAchievement.id == application.achievement_id)
        .get()
    )
    if application.kind == ApplicationKind.PERFORMANCE:
        catalogue_achievements = list(
            CatalogueAchievement.select(CatalogueAchievement, Institution)
            .join(Institution)
            .where(CatalogueAchievement.id == application.target_id)
        )
        targets = [(e.name, e.institution.name, "") for e in catalogue_achievements]
    else:
        rows = (
            RuleTarget.select(RuleTarget, CatalogueAchievement, Institution)
            .join(CatalogueAchievement)
            .join(Institution)
            .where(RuleTarget.rule == application.rule_id)
            .order_by(RuleTarget.id)
        )
        targets = [(t.catalogue.name, t.catalogue.institution.name, t.exempt_modules or "") for t in rows]
    rule = application.rule if application.rule_id else None
    return {
        "learner_name": learner.real_name,
        "learner_id": mask_id(learner.id_number),
        "source_name": source.name,
        "source_institution": source.source_institution_name,
        "targets": targets,
        "rule_code": rule.code if rule else "",
        "rule_name": rule.name if rule else "",
        "rule_institution": rule.institution.name if rule else "",
        "submitted_at": application.submitted_at,
        "decided_at": application.decided_at,
        "code": application.certificate_code,
    }


def render(application: Application, verify_url: str) -> bytes:
    """The PDF bytes of ``application``'s certificate (it must have a certificate code)."""
    register_font()
    facts = certificate_facts(application)
    title = ParagraphStyle("title", fontName=FONT_NAME, fontSize=20, leading=28, alignment=1)
    body = ParagraphStyle("body", fontName=FONT_NAME, fontSize=11, leading=17)
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=13, textColor=colors.grey)

    def p(text: object, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(str(text)), style)

    targets = "<br/>".join(
        escape(f"{name}（{institution}）" + (f" {_('Exempt modules')}: {modules}" if modules else ""))
        for name, institution, modules in facts["targets"]
    )
    rows = [
        [p(_("Learner")), p(f"{facts['learner_name']}（{facts['learner_id']}）")],
        [p(_("Source achievement")), p(f"{facts['source_name']}（{facts['source_institution']}）")],
        [p(_("Target achievement")), Paragraph(targets, body)],
        [p(_("Rule code")), p(f"{facts['rule_code']} {facts['rule_name']}")],
        [p(_("Rule institution")), p(facts["rule_institution"])],
        [p(_("Applied on")), p(facts["submitted_at"].date() if facts["submitted_at"] else "")],
        [p(_("Converted on")), p(facts["decided_at"].date() if facts["decided_at"] else "")],
        [p(_("Verification code")), p(facts["code"])],
    ]
    table = Table(rows, colWidths=[35 * mm, 130 * mm])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, title=_("Conversion certificate"),
                                 leftMargin=20 * mm, rightMargin=20 * mm, topMargin=25 * mm)
    document.build([
        p(_("Learning achievement conversion certificate"), title),
        Spacer(1, 10 * mm),
        p(_("This certifies that the learning achievement below has been converted through the credit bank.")),
        Spacer(1, 5 * mm),
        table,
        Spacer(1, 8 * mm),
        # Scanned by a verifier's phone: opens /verify/<code> (services/files/qr.py, segno).
        Table([[qr.drawing(verify_url, 32 * mm),
                p(_("Scan the QR code or open %(url)s to verify this certificate.", url=verify_url), small)]],
              colWidths=[38 * mm, 127 * mm], style=[("VALIGN", (0, 0), (-1, -1), "MIDDLE")]),
    ])
    return buffer.getvalue()
