"""A share link's page (/s/<token>): what a learner chose to show, for anyone holding the
link, with no login. It reads the selected records as they are now (a record revoked
since says so), masks the ID number, counts the visit, and tells a revoked or expired
link apart from an unknown one. The token never leaves this page: no referrer is sent (a meta tag: the site-wide header
is Talisman's),
nothing is cached, search engines are asked not to index it."""
from flask import Blueprint, render_template, request

from models import User
from services.core import pagination
from services.core.pagination import Page
from services.learning_record import sharing, statements
from web import inputs

bp = Blueprint("shared", __name__)

PAGE_SIZE = 50
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}


@bp.route("/s/<token>")
def view(token):
    link = sharing.resolve(token)
    if link is None:
        return render_template("portal/shared.html", state="unknown"), 404, PRIVATE
    state = sharing.state(link)
    if state != sharing.ACTIVE:
        return render_template("portal/shared.html", state=state, link=link), 410, PRIVATE
    number = min(max(request.args.get("page", 1, type=inputs.db_int) or 1, 1), pagination.MAX_PAGE)
    if number == 1:  # a visit is its first page, not each page turned
        sharing.count_visit(link)
    learner = User.get_by_id(link.learner_id)
    page = Page(sharing.shared_items(link, number, PAGE_SIZE), number, PAGE_SIZE, len(link.items), "")
    return render_template("portal/shared.html", state=state, link=link, learner=learner, page=page,
                           items=page.items, item_state=statements.state_label), 200, PRIVATE
