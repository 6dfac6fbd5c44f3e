"""The admin shell for account pages (修改密码) of staff and institution users: the pages
live in views/auth.py at their own URLs, and render inside the role's own menu here."""
from flask import current_app, redirect, url_for
from flask_admin import expose

from admin import flask_admin_adapter
from admin.base import SecureView
from services.accounts import permissions


class AccountShell(SecureView):
    """Never in the menu: it lends its shell (header, role menu) to account pages."""

    roles = permissions.ADMIN_USERS

    def is_visible(self):
        return False

    @expose("/")
    def index(self):
        return redirect(url_for("auth.change_password", normal=1))


def register(admin):
    admin.add_view(AccountShell(name="account", endpoint="account_shell", url="/admin/account"))


def render_in_shell(template, **context):
    """Render ``template`` (extending admin/master.html) as a page of the admin shell."""
    shell = flask_admin_adapter.view_of_type(current_app.extensions["admin"][0], AccountShell)
    return shell.render(template, **context)
