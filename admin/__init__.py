"""Flask-Admin at /admin/: built inside the app factory (a module-level Admin breaks the
second app a test suite creates, flask-admin #910). Each area module adds its views;
Flask-Admin shows a role only the menu entries whose views it may open."""
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from admin.base import RoleIndexView


def use_platform_translations(directory):
    """Flask-Admin translates its own strings (domain "admin") from ``directory``, where
    services.i18n compiles its catalogue merged with the platform's texts (admin_ui.po).
    Flask-Babel merges directories with the last one winning, so Flask-Admin's own
    directory is replaced rather than added to."""
    from flask_admin import babel as admin_babel

    admin_babel.domain._translation_directories = [directory]
    admin_babel.domain.cache.clear()


def init_admin(app):
    from admin import account, center, institution, reviews

    use_platform_translations(app.config["BABEL_TRANSLATION_DIRECTORIES"])
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
    return admin
