"""The reviewer's and committee member's admin home."""
from admin import flask_admin_adapter, lists
from admin.base import home_for
from admin.reviews.base import ReviewView, reviewer
from models import Application
from services.accounts import permissions


@home_for(permissions.REVIEWER, permissions.COMMITTEE)
def reviewer_home(view):
    """The reviewer's home: how much waits in each of their review lists, counted up to the
    lists' own cap (a teaching point may have tens of thousands pending: "2000+")."""
    user = reviewer()
    waiting = [
        (review_view.name, review_view.endpoint,
         lists.capped_count(review_view.pending_query(Application.select(), user), lists.MAX_ROWS))
        for review_view in flask_admin_adapter.registered_views(view.admin)
        if isinstance(review_view, ReviewView) and permissions.allowed(user, review_view.roles)
    ]
    capped = any(isinstance(count, lists.CappedCount) for _name, _endpoint, count in waiting)
    return view.render("admin/reviews/home.html", waiting=waiting, capped_at=lists.MAX_ROWS if capped else None)
