"""Portal content pages (SPEC §10): 资讯中心, 业务指南, 规章制度 (articles the center
publishes, with attachments), 标准体系 (the framework levels), 转换办法 (each institution's
published method) and the 证书验证 form."""
import io

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from models import (
    Article,
    ArticleKind,
    ArticleStatus,
    Attachment,
    ConversionMethod,
    FaqCategory,
    FaqEntry,
    FrameworkLevel,
    Institution,
    PublishStatus,
)
from services import permissions
from services.content import render_markdown, summary
from services.pagination import paginate

bp = Blueprint("content", __name__)

# Each section's URL, in the order of the portal navigation.
SECTIONS = {ArticleKind.NEWS: "/news", ArticleKind.GUIDE: "/guides", ArticleKind.REGULATION: "/regulations"}


def published_articles(kind=None):
    query = Article.select().where(Article.status == ArticleStatus.PUBLISHED)
    return query.where(Article.kind == kind) if kind else query


def _section(kind):
    def view():
        page = paginate(published_articles(kind), request.args, {"date": Article.published_at}, default_sort="-date", size=10)
        excerpts = {a.id: summary(a.body) for a in page.items}
        return render_template("portal/articles.html", kind=kind, page=page, excerpts=excerpts)

    view.__name__ = f"{kind}_list"
    return view


for _kind, _url in SECTIONS.items():
    bp.add_url_rule(_url, f"{_kind}_list", _section(_kind))


def layout():
    """Learners see 规则查询 inside their own menu; everyone else in the public frame."""
    if permissions.is_learner(current_user):
        return "learner/layout.html"
    return "base.html"


@bp.route("/articles/<int:article_id>")
def article(article_id):
    item = published_articles().where(Article.id == article_id).first()
    if item is None:
        abort(404)
    files = list(Attachment.of("article", item.id))
    return render_template("portal/article.html", article=item, body=render_markdown(item.body), files=files)


# 服务支持 and 关于我们: pages made of the center's published articles of that section.
PAGES = {ArticleKind.SUPPORT: "/support", ArticleKind.ABOUT: "/about"}


def _page(kind):
    def view():
        items = list(published_articles(kind).order_by(Article.published_at, Article.id))
        files = {item.id: list(Attachment.of("article", item.id)) for item in items}
        return render_template("portal/page.html", kind=kind, items=items, files=files,
                               bodies={item.id: render_markdown(item.body) for item in items})

    view.__name__ = f"{kind}_page"
    return view


for _kind, _url in PAGES.items():
    bp.add_url_rule(_url, f"{_kind}_page", _page(_kind))


@bp.route("/faq")
def faq():
    """在线解答: the center's answers by category, searched by words of the question or answer."""
    words = (request.args.get("q") or "").strip()[:50]
    chosen = request.args.get("category", type=int)
    query = (FaqEntry.select(FaqEntry, FaqCategory).join(FaqCategory)
             .where(FaqEntry.published == True)  # noqa: E712 - peewee builds SQL from ==
             .order_by(FaqCategory.sort_order, FaqCategory.id, FaqEntry.sort_order, FaqEntry.id))
    for word in words.split():
        query = query.where(FaqEntry.question.contains(word) | FaqEntry.answer.contains(word))
    if chosen:
        query = query.where(FaqEntry.category == chosen)
    entries = list(query.limit(200))
    categories = list(FaqCategory.select().order_by(FaqCategory.sort_order, FaqCategory.id))
    return render_template("portal/faq.html", entries=entries, categories=categories, words=words, chosen=chosen,
                           answers={e.id: render_markdown(e.answer) for e in entries})


@bp.route("/templates/<name>.pdf")
def document_template(name):
    """成果转换办法（模板） / 转换规则（模板）: model documents for institutions to fill in."""
    from flask import send_file

    from services import document_templates, downloads

    if name not in document_templates.DOCUMENTS:
        abort(404)
    filename, build = document_templates.DOCUMENTS[name]
    response = send_file(io.BytesIO(build()), mimetype="application/pdf", as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return downloads.ascii_fallback(response, f"{name}-template.pdf")


@bp.route("/framework")
def framework():
    """标准体系: 广东终身教育资历框架等级标准, the seven levels and their descriptors."""
    levels = list(FrameworkLevel.select().order_by(FrameworkLevel.level))
    return render_template("portal/framework.html", levels=levels, layout=layout())


@bp.route("/methods")
def methods():
    """转换办法: the method each institution has published, with its PDF."""
    query = (
        ConversionMethod.select(ConversionMethod, Institution)
        .join(Institution, on=(ConversionMethod.institution == Institution.id))
        .where(ConversionMethod.status == PublishStatus.PUBLISHED)
    )
    page = paginate(query, request.args, {"institution": Institution.name, "published": ConversionMethod.published_at},
                    default_sort="institution")
    return render_template("portal/methods.html", page=page)


@bp.route("/verify", methods=["GET"])
def verify_form():
    """证书验证: the code box; a code goes to the /verify/<code> page."""
    code = (request.args.get("code") or "").strip()
    if code:
        return redirect(url_for("portal.verify", code=code))
    return render_template("portal/verify_form.html")
