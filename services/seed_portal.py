"""Demo content of the portal (SPEC §10): articles of every section (enough news for two
pages), attachments, and the PDF of each published conversion method. Idempotent."""
import datetime as dt
import io
import os
import tempfile

from models import Article, ArticleKind, ArticleStatus, Attachment, ConversionMethod, PublishStatus, now
from services import storage

NEWS = [
    ("广东终身教育学分银行信息管理平台上线试运行", "平台支持学习成果的**认定、积累与转换**。学习者可在“成果添加”中登记成果，并申请认定与转换。"),
    ("2026年度学分银行认证单位名单公布", "经专业认定委员会审议，新增认证单位**12家**，覆盖职业院校、开放大学与行业企业。"),
    ("学分银行与省内高职院校签署学分互认协议", "协议明确了课程学分互认的范围、程序与质量保障要求。"),
    ("“1+X”证书学分转换工作启动", "持有“1+X”职业技能等级证书的学习者，可按已发布的转换规则申请转换为院校课程学分。"),
    ("学习成果认定专家库扩容", "新增专家**86名**，涵盖信息技术、财经商贸、装备制造等专业大类。"),
    ("学分银行服务进社区活动举行", "活动现场为市民讲解学习成果登记、认定与转换的办理流程。"),
    ("开放大学学员成果批量导入完成", "各教学点已完成学员账号与学习成果的批量导入，学员可用身份证号激活账号。"),
    ("平台新增证书验证服务", "持有转换证书的学习者和用人单位，可在门户“证书验证”栏目输入验证码核验证书真伪。"),
    ("学分银行工作年会召开", "会议总结了年度工作，部署了下一阶段的资历框架建设任务。"),
    ("资历框架等级标准解读", "本文解读**广东终身教育资历框架**七个等级的知识、技能与能力描述。详见“标准体系”栏目。"),
    ("学分银行信息管理平台完成等级保护测评", "平台通过信息系统安全等级保护测评，保障学习者个人信息安全。"),
    ("关于开展学习成果转换试点工作的通知", "各试点院校请于本月底前在院校空间发布本校的**转换办法**与转换规则。"),
]
GUIDES = [
    ("学习者账号注册与激活指引", """## 注册

1. 打开门户首页，点击“立即注册”；
2. 填写手机号并获取验证码，设置密码。

## 激活

已由院校或管理中心导入的学员，请点击登录页的“去激活账号”，用**身份证号**激活。""", True),
    ("学习成果认定申请办理指南", """学习者登录后进入“认定成果申请”：

- 选择需要认定的成果，点击“提交认定”；
- 教学点管理员审核，结果在“收件箱”中通知。

| 步骤 | 办理人 | 时限 |
|---|---|---|
| 提交申请 | 学习者 | 随时 |
| 审核 | 教学点管理员 | 10个工作日 |""", False),
    ("学习成果转换申请办理指南", "在“转换成果申请”中选择已认定的成果与适用的转换规则，经初审、终审通过后生成**转换证书**。", False),
]
REGULATIONS = [
    ("广东终身教育学分银行学习成果认定与转换管理办法(试行)", """**第一条** 为规范学习成果认定与转换工作，制定本办法。

**第二条** 本办法适用于在学分银行登记的各类学习成果。

**第三条** 学习成果的认定与转换遵循公开、公平、公正的原则。""", True),
    ("广东终身教育学分银行认证单位管理办法", "**第一条** 认证单位应具备相应的办学资质与质量保障体系。", False),
]


def demo_pdf(title, lines):
    """A small PDF with Chinese text (reportlab's built-in CJK font, nothing embedded)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.setFont("STSong-Light", 18)
    page.drawString(60, 770, title)
    page.setFont("STSong-Light", 12)
    for index, line in enumerate(lines):
        page.drawString(60, 730 - 22 * index, line)
    page.showPage()
    page.save()
    return out.getvalue()


def _store_pdf(title, owner_type, owner_id, purpose, user, lines):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "demo.pdf")
        with open(path, "wb") as handle:
            handle.write(demo_pdf(title, lines))
        return storage.save_file(path, f"{title}.pdf", owner_type, owner_id, purpose=purpose,
                                 mime="application/pdf", user=user)


def _article(kind, title, body, published_at, center):
    article = Article.get_or_none(Article.title == title)
    if article is None:
        article = Article.create(kind=kind, title=title, body=body, status=ArticleStatus.PUBLISHED,
                                 published_at=published_at, author=center)
    return article


def seed_portal(center):
    from services.seed_help import seed_help

    start = now() - dt.timedelta(days=60)
    seed_help(center, lambda kind, title, body: _article(kind, title, body, start, center))
    for index, (title, body) in enumerate(NEWS):
        _article(ArticleKind.NEWS, title, body, start + dt.timedelta(days=5 * index), center)
    for kind, items in ((ArticleKind.GUIDE, GUIDES), (ArticleKind.REGULATION, REGULATIONS)):
        for index, (title, body, with_file) in enumerate(items):
            article = _article(kind, title, body, start + dt.timedelta(days=7 * index), center)
            if with_file and not Attachment.of("article", article.id).exists():
                _store_pdf(title, "article", article.id, "article", center, [title, "（演示附件）"])
    # A draft stays off the portal.
    if Article.get_or_none(Article.title == "（草稿）学分银行年度报告") is None:
        Article.create(kind=ArticleKind.NEWS, title="（草稿）学分银行年度报告", body="尚未发布。", author=center)
    for method in ConversionMethod.select().where(
        ConversionMethod.status == PublishStatus.PUBLISHED, ConversionMethod.file.is_null()
    ):
        pdf = _store_pdf(method.name, "method", method.id, "method", center, [method.name, "（演示文件，已加盖公章）"])
        ConversionMethod.update(file=pdf).where(ConversionMethod.id == method.id).execute()
