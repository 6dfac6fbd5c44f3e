"""Flask-Admin at /admin/: built inside the app factory (a module-level Admin breaks the
second app a test suite creates, flask-admin #910). Each area module adds its views;
Flask-Admin shows a role only the menu entries whose views it may open."""
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from admin import flask_admin_adapter
from admin.base import RoleIndexView


def init_admin(app):
    from admin import account, center, institution, reviews

    flask_admin_adapter.use_platform_translations(app.config["BABEL_TRANSLATION_DIRECTORIES"])
    from services import headers

    admin = Admin(
        app,
        name=_l("Credit Bank Platform"),
        url="/admin",
        index_view=RoleIndexView(name=_l("Home"), url="/admin"),
        theme=Bootstrap4Theme(base_template="admin/cb_base.html", fluid=True),
        csp_nonce_generator=headers.nonce,  # Flask-Admin's inline scripts carry the CSP nonce
    )
    for area in (center, reviews, institution, account):
        area.register(admin)
    # Background exports rebuild a list view's query (services/excel/background.py).
    app.extensions["list_views"] = lambda endpoint: flask_admin_adapter.view_by_endpoint(admin, endpoint)
    return admin
