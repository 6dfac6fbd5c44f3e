"""Public portal pages (SPEC §10)."""
from flask import Blueprint, redirect, render_template
from flask_login import current_user

from models import Article, ArticleStatus, ConversionRule
from services import permissions

bp = Blueprint("portal", __name__)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(permissions.home_url(current_user))
    news = (
        Article.select()
        .where(Article.status == ArticleStatus.PUBLISHED)
        .order_by(Article.published_at.desc())
        .limit(5)
    )
    return render_template("portal/index.html", news=news, rule_count=ConversionRule.published().count())
