"""The reviewer's and committee member's admin home."""
from admin import flask_admin_adapter
from admin.base import home_for
from admin.reviews.base import ReviewView, reviewer
from models import Application
from services.accounts import permissions


@home_for(permissions.REVIEWER, permissions.COMMITTEE)
def reviewer_home(view):
    """The reviewer's home: how much waits in each of their review lists."""
    user = reviewer()
    waiting = [
        (review_view.name, review_view.endpoint, review_view.pending_query(Application.select(), user).count())
        for review_view in flask_admin_adapter.registered_views(view.admin)
        if isinstance(review_view, ReviewView) and permissions.allowed(user, review_view.roles)
    ]
    return view.render("admin/reviews/home.html", waiting=waiting)
