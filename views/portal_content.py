"""Portal content pages (SPEC §10): 资讯中心, 业务指南, 规章制度 (articles the center
publishes, with attachments), 标准体系 (the framework levels), 转换办法 (each institution's
published method) and the 证书验证 form."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from models import (
    Article,
    ArticleKind,
    ArticleStatus,
    Attachment,
    ConversionMethod,
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
