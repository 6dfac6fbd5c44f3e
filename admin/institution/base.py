"""What every view of the institution space (院校空间, SPEC §9, seed 004 ch. 2) shares: its
menus, who may open it, the scoped base views and the year filter. Each view is scoped to
the user's own institution through ``permissions.scope_by_institution``; sub-users see only
the menus granted to them (the view's ``permission``)."""
import datetime as dt

from flask import redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from admin.base import SecureModelView, SecureView, search_labels
from models import InstitutionStatus
from services import permissions

MENU_MANAGE = _l("Achievements and learners")
# The space opens after the center's 审核通过 (issue 17) and closes when disabled.
CLOSED_STATUSES = frozenset({InstitutionStatus.DRAFT, InstitutionStatus.PENDING, InstitutionStatus.REFUSED,
                             InstitutionStatus.DISABLED})
UNFINISHED = frozenset({InstitutionStatus.DRAFT, InstitutionStatus.PENDING, InstitutionStatus.REFUSED})
MENU_ACCOUNT = _l("Account management")


class InstitutionAccess:
    """Institution accounts and their sub-users; a sub-user needs ``permission``. The
    space opens once the registration is complete and while the institution is active."""

    roles = permissions.INSTITUTION_USERS

    def is_accessible(self):
        return super().is_accessible() and current_user.institution.status not in CLOSED_STATUSES

    def inaccessible_callback(self, name, **kwargs):
        if current_user.is_authenticated and permissions.is_institution_account(current_user) and (
            current_user.institution.status in UNFINISHED
        ):
            return redirect(url_for("admin.index"))  # the home says what is missing
        return super().inaccessible_callback(name, **kwargs)


class InstitutionPage(InstitutionAccess, SecureView):
    """A custom page of the institution space."""


class InstitutionModelView(InstitutionAccess, SecureModelView):
    """A list of the institution's own rows: ``scope_field`` names the institution column.

    ``list_args`` are extra query arguments (links from the home page and from other
    lists, e.g. ``?kind=degree``) that ``narrow`` applies on top of the scope."""

    scope_field = None
    list_args = ()
    can_create = False
    can_edit = False
    list_template = "admin/institution/_list.html"

    def scope(self, query):
        return permissions.scope_by_institution(query, self.scope_field, current_user)

    def narrow(self, query, args):
        return query

    def list_arguments(self):
        return {key: request.args.get(key) for key in self.list_args if request.args.get(key)}

    def get_query(self):
        return self.narrow(super().get_query(), self.list_arguments())

    def get_count_query(self):
        return self.narrow(super().get_count_query(), self.list_arguments())

    def search_placeholder(self):
        """What the search box searches (Flask-Admin's default shows "None")."""
        return search_labels(self)


def year_options():
    today = dt.date.today()
    return [(str(year), str(year)) for year in range(today.year, today.year - 10, -1)]


def in_year(field, value):
    """``field`` (a date-time) falls in the year ``value``; a range keeps the index usable."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        return field.is_null(True) & field.is_null(False)
    return (field >= dt.datetime(year, 1, 1)) & (field < dt.datetime(year + 1, 1, 1))
