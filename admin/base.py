"""The secure base of every admin view: roles, row scoping, CSRF, no hard deletes.

Flask-Admin fetches single records (details, edit, delete) and action targets by id
without ``get_query()``; here ``get_one``, ``delete_model`` and ``scoped`` all go
through the same ``scope`` so another institution's id is simply "not found".
"""
from flask import abort, flash, has_request_context, redirect, request, url_for
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.actions import action
from flask_admin.babel import lazy_gettext as admin_lazy_gettext
from flask_admin.contrib.peewee import ModelView
from flask_admin.contrib.peewee.filters import BasePeeweeFilter
from flask_admin.model import typefmt
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from peewee import IntegrityError

from admin.flask_admin_adapter import PrivateHooks
from admin.lists import ListQueryMixin
from models import db
from services.accounts import permissions
from services.core import transitions
from services.records.errors import Refused


class SecureForm(FlaskForm):
    """A CSRF-protected admin form that, like Flask-Admin's BaseForm, keeps the model
    object (``obj``, None when creating): it works with Flask-WTF's global CSRFProtect
    (flask-admin #1861)."""

    def __init__(self, *args, **kwargs):
        # Flask-Admin passes (formdata, obj); our own views pass nothing and let
        # FlaskForm read the request, so the arguments go through untouched.
        self.obj = kwargs.get("obj", args[1] if len(args) > 1 else None)
        super().__init__(*args, **kwargs)

    def validate(self, extra_validators=None):
        """Flask-Admin shows a field's message next to it only when the message is a plain
        ``str`` (helpers.is_field_error); validators give lazy translations, which it
        silently dropped, leaving only "创建记录失败". Make them plain strings."""
        valid = super().validate(extra_validators)
        for field in self:
            if field.errors and isinstance(field.errors, (list, tuple)):
                field.errors = [str(e) if isinstance(e, LazyString) else e for e in field.errors]
        return valid


class WhereFilter(BasePeeweeFilter):
    """A list filter given as a condition on the view's own model (``column`` must be a
    field of that model): Flask-Admin joins the model of a related column a second time
    when the list query already joins it (flask-admin #1432)."""

    def __init__(self, column, name, condition, options=None, data_type=None, narrows=False):
        super().__init__(column, name, options, data_type)
        self.condition = condition
        # Keeps few of the list's rows (a learner's name or ID number): the page is picked
        # from its matches like a search's (admin/lists.py, _few_matches_page).
        self.narrows = narrows

    def get_options(self, view):
        # Options that are data (categories, years…) are read per request, never at
        # start-up, when the tables may not exist yet (see flask_admin_adapter.PrivateHooks).
        return super().get_options(view) if has_request_context() else None

    def validate(self, value):
        """A filter with options takes only one of them (a forged ``flt0_0=-1`` or a huge
        number is dropped by Flask-Admin as an invalid filter, never applied)."""
        options = self.options() if callable(self.options) else self.options
        if options is not None:
            return str(value) in {str(key) for key, _label in options}
        return super().validate(value)

    def apply(self, query, value):
        return query.where(self.condition(value))

    def operation(self):
        return _l("is")


class AccessMixin:
    """Who may open a view: ``roles`` and, for institution sub-users, ``permission``."""

    roles = frozenset({permissions.CENTER})
    permission = None

    def is_accessible(self):
        return permissions.allowed(current_user, self.roles, self.permission)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        return abort(403)


class SecureView(AccessMixin, BaseView):
    """A custom (non-model) admin page."""


def yes_no(view, value, name):
    """Booleans as 是 / 否 (Flask-Admin shows an icon titled "active: true")."""
    return _("Yes") if value else _("No")


def search_labels(view):
    """The search box's placeholder as the searched columns' labels alone ("姓名 / 证件号码"),
    for lists whose box needs no "Search by" (Flask-Admin's default shows "None")."""
    return " / ".join(label for label in map(view._search_label, view.column_searchable_list or ()) if label)


class SecureModelView(AccessMixin, ListQueryMixin, PrivateHooks, ModelView):
    # PrivateHooks: filter options read per request, a joined model never joined twice
    # (flask-admin #1432), the list arguments through ``list_view_args``.
    form_base_class = SecureForm
    column_type_formatters = {**typefmt.BASE_FORMATTERS, bool: yes_no}
    column_type_formatters_detail = {**typefmt.DETAIL_FORMATTERS, bool: yes_no}
    # Records with history are never hard-deleted through a generic view; a view that
    # may delete sets can_delete and says when in ``deletable``.
    can_delete = False
    can_view_details = True
    can_set_page_size = True
    page_size = 20
    column_default_sort = ("id", True)
    column_display_pk = False
    details_modal = False

    def scaffold_form(self):
        """Form fields are labelled like their columns (``column_labels``) unless
        ``form_args`` names a label: wtf-peewee labels them with the model's English field
        names ("Name", "Kind"…)."""
        form_class = super().scaffold_form()
        machine = getattr(self.model, "STATES", None)
        if machine is not None and hasattr(form_class, machine.field):
            # A status changes by a named action (services.core.transitions), never by a posted field.
            delattr(form_class, machine.field)
        for name, label in (self.column_labels or {}).items():
            unbound = getattr(form_class, name, None)
            if unbound is None or not hasattr(unbound, "kwargs"):
                continue
            if "label" not in (self.form_args or {}).get(name, {}):
                unbound.kwargs["label"] = label
        return form_class

    def search_placeholder(self):
        """The search box names the columns it searches (Flask-Admin's peewee backend gives
        None, which showed as "None")."""
        names = [label for label in map(self._search_label, self.column_searchable_list or ()) if label]
        return _("Search by %(columns)s", columns=" / ".join(names)) if names else _("Search")

    def _search_label(self, column):
        """A searched column's label; a field of a joined model (``Institution.name``) is
        labelled like the column that shows it (``institution``)."""
        labels = self.column_labels or {}
        if isinstance(column, str):
            return str(labels.get(column, column))
        model = column.model._meta.name
        for key in (f"{model}.{column.name}", model, column.name):
            if key in labels:
                return str(labels[key])
        return None

    # --- scoping ------------------------------------------------------------------------

    def base_query(self):
        """The rows with the joins the list shows; views override to join foreign keys."""
        return self.model.select()

    def scope(self, query):
        """Limit ``query`` to the rows the current user may touch (override per view)."""
        return query

    def get_query(self):
        return self.scope(self.base_query())

    def get_one(self, id):
        try:
            pk = int(id)
        except (TypeError, ValueError):
            return None
        return self.scope(self.model.select()).where(self.model._meta.primary_key == pk).first()

    def list_view_args(self, args):
        """A negative page (PostgreSQL refuses a negative OFFSET) is the first page, and a
        page beyond a million the millionth (page × size must stay a 64-bit OFFSET)."""
        args.page = min(max(args.page or 0, 0), 1_000_000)
        return args

    def scoped(self, ids):
        """The records behind action ids that the current user may touch."""
        pks = []
        for value in ids:
            try:
                pks.append(int(value))
            except (TypeError, ValueError):
                continue
        return list(self.scope(self.model.select()).where(self.model._meta.primary_key.in_(pks)))

    def move_status(self, ids, status, only_from, message, audit_prefix, changes=None, details=None):
        """Move the selected rows (scoped) that are in ``only_from`` (None: any state the
        model's machine allows) to ``status``: one conditional update each
        (services.core.transitions), with an audit entry each (``details(row)`` its details);
        ``message`` is flashed with the number moved."""
        moved = 0
        with db.atomic():
            for row in self.scoped(ids):
                try:
                    transitions.move(row, status, expected=only_from, changes=changes,
                                     audit=f"{audit_prefix}_{status}", **(details(row) if details else {}))
                except transitions.TransitionRefused:
                    continue
                moved += 1
        flash(message % {"count": moved}, "success")

    # --- row actions and deletion ------------------------------------------------------

    def editable(self, model):
        """Whether ``model`` may be modified (the edit route asks it too)."""
        return True

    def row_action_allowed(self, action, model):
        """Show a row's 修改 / 删除 only where the rule allows them (lists using
        admin/institution/_list.html)."""
        name = getattr(action, "template_name", None)
        if name == "row_actions.delete_row":
            return self.deletable(model) is None
        if name == "row_actions.edit_row":
            return self.editable(model)
        return True

    def deletable(self, model):
        """Return None when ``model`` may be deleted, else the reason it may not."""
        return None

    def delete_model(self, model):
        if self.get_one(model._pk) is None:
            abort(404)
        reason = self.deletable(model)
        if reason:
            flash(str(reason), "error")
            return False
        return self._delete(model)

    def delete_record(self, model):
        """Delete one row, never recursively. A view of a record that has its domain service
        (services/records, services/ledger) overrides this to call it."""
        model.delete_instance()

    def _delete(self, model):
        """Delete one row: rows that still reference it keep it; a service's refusal is shown."""
        self.on_model_delete(model)
        try:
            with db.atomic():
                self.delete_record(model)
        except IntegrityError:
            flash(_("%(record)s is still in use and was not deleted.", record=model), "error")
            return False
        except Refused as refused:
            flash(str(refused), "error")
            return False
        self.after_model_delete(model)
        return True

    @action("delete", admin_lazy_gettext("Delete"), admin_lazy_gettext("Are you sure you want to delete selected records?"))
    def action_delete(self, ids):
        deleted, refused = 0, []
        for model in self.scoped(ids):
            reason = self.deletable(model)
            if reason:
                refused.append(f"{model}: {reason}")
                continue
            if self._delete(model):
                deleted += 1
        if deleted:
            flash(_("%(count)s records were deleted.", count=deleted), "success")
        for message in refused:
            flash(_("Not deleted: %(reason)s", reason=message), "error")


class RoleIndexView(AccessMixin, AdminIndexView):
    """/admin/: each role's home. Learners never get here: they go to /me/."""

    roles = permissions.ADMIN_USERS
    homes = {}  # role -> callable returning the page; filled by the area modules

    def inaccessible_callback(self, name, **kwargs):
        if current_user.is_authenticated and permissions.is_learner(current_user):
            return redirect(url_for("learner.home"))
        return super().inaccessible_callback(name, **kwargs)

    @expose("/")
    def index(self):
        render = self.homes.get(current_user.role)
        if render is None:
            return self.render("admin/home.html")
        return render(self)


def home_for(*roles):
    """Register the decorated function as the admin home page of ``roles``."""

    def decorator(render):
        for role in roles:
            RoleIndexView.homes[role] = render
        return render

    return decorator

