"""成果转换办法（模板） and 转换规则（模板） (seed 004 转换办法发布 / 转换规则制定): the model
documents an institution studies, fills in, stamps and uploads as its PDF. Drawn with the
certificate's CJK font (services/ledger/certificate). The documents' wording is content, in
Chinese like the portal's articles: the model texts the credit bank gives institutions."""
import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.ledger.certificate import FONT_NAME, register_font

METHOD = ("成果转换办法（模板）", [
    ("第一章 总则", [
        "第一条 为规范（院校名称）学习成果的认定与转换工作，依据《广东终身教育资历框架等级标准》及广东终身教育学分银行"
        "有关规定，结合本校实际，制定本办法。",
        "第二条 本办法适用于学习者在学分银行存储的学历教育、非学历教育及无定式学习成果向本校课程、专业学分的转换。",
    ]),
    ("第二章 转换范围与条件", [
        "第三条 可申请转换的成果须已在学分银行存储并处于已认定（含名录成果）状态，且在有效期内。",
        "第四条 转换的目标为本校已发布的专业及课程，具体以本校在学分银行发布的转换规则为准。",
    ]),
    ("第三章 转换标准", [
        "第五条 转换依据源成果的学分银行学分与资历框架等级确定，目标课程的学分不超过源成果的学分银行学分。",
        "第六条 同一成果在同一转换规则下只能转换一次；已用于转换的成果被撤回或撤销时，转换结果一并撤销。",
    ]),
    ("第四章 申请与审核程序", [
        "第七条 学习者在学分银行“转换成果申请”中选择成果和转换规则提交申请，并上传相关材料。",
        "第八条 教学点管理员进行转换初审，核对材料原件；专业认定委员会或本校审核人员进行转换终审。",
        "第九条 本校可在院校空间为持有源成果的学员批量发起转换申请，由规则发布机构审核。",
    ]),
    ("第五章 转换结果与记录", [
        "第十条 终审通过的目标成果自动记入学习者学分银行账户，来源为“转换获得”，学习者可打印转换证明。",
        "第十一条 本校保存转换申请与审核记录，并按学分银行要求提供查询与导出。",
    ]),
    ("第六章 附则", [
        "第十二条 本办法由（院校名称）负责解释，自发布之日起施行。",
        "（院校名称、公章）        年    月    日",
    ]),
])

RULE_FIELDS = [
    ("规则编码", "由平台生成（日期＋4位序号，如 202203010001）"),
    ("规则名称", "例：××证书转××学院××专业××课程"),
    ("转换规则类型", "非学历转学历 / 学历转非学历 / 学历转学历 / 非学历转非学历"),
    ("源成果", "成果名称、资历机构、学分银行学分（可多项）"),
    ("目标成果（专业）", "专业及代码、层次、院校"),
    ("目标成果（课程）", "课程名称及代码、原始学时、原始学分"),
    ("免考模块", "非学历目标成果可填写，如：实操（2学分）、机考（2学分）"),
    ("生效日期 / 失效日期", "规则在此期间有效；修改已发布的规则将生成新版本"),
    ("转换说明", "申请条件、须提交的材料、审核要求等"),
]
RULE_NOTES = [
    "1. 本院校须已发布转换办法后方可发布转换规则。",
    "2. 填写完成后加盖公章，扫描为 PDF（不超过10 MB，清晰无遮挡）上传。",
    "3. 本转换规则的解释权归（院校名称）所有。",
]


def _styles():
    register_font()
    return (ParagraphStyle("title", fontName=FONT_NAME, fontSize=18, leading=26, alignment=1),
            ParagraphStyle("head", fontName=FONT_NAME, fontSize=12, leading=20, spaceBefore=8),
            ParagraphStyle("body", fontName=FONT_NAME, fontSize=10.5, leading=17, firstLineIndent=21))


def _build(title, flowables):
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=title, leftMargin=22 * mm, rightMargin=22 * mm,
                      topMargin=22 * mm).build(flowables)
    return buffer.getvalue()


def method_pdf():
    title_style, head, body = _styles()
    title, chapters = METHOD
    story = [Paragraph(escape(title), title_style), Spacer(1, 6 * mm)]
    for chapter, articles in chapters:
        story.append(Paragraph(escape(chapter), head))
        story.extend(Paragraph(escape(text), body) for text in articles)
    return _build(title, story)


def rule_pdf():
    title_style, head, body = _styles()
    cell = ParagraphStyle("cell", parent=body, firstLineIndent=0)
    rows = [[Paragraph(escape(name), cell), Paragraph(escape(hint), cell)] for name, hint in RULE_FIELDS]
    table = Table(rows, colWidths=[40 * mm, 126 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                               ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story = [Paragraph("转换规则（模板）", title_style), Spacer(1, 6 * mm), table, Spacer(1, 6 * mm),
             Paragraph("填写说明", head)]
    story.extend(Paragraph(escape(note), ParagraphStyle("note", parent=body, firstLineIndent=0)) for note in RULE_NOTES)
    return _build("转换规则（模板）", story)


DOCUMENTS = {
    "conversion-method": ("成果转换办法（模板）.pdf", method_pdf),
    "conversion-rule": ("转换规则（模板）.pdf", rule_pdf),
}
