"""What the management-center views share: the menus and the base view."""
from flask_babel import lazy_gettext as _l

from admin.base import SecureModelView

MENU_CATALOGUE = _l("Catalogue")
MENU_INSTITUTIONS = _l("Institutions and rules")
MENU_ACCOUNTS = _l("Accounts")
MENU_PORTAL = _l("Portal content")
MENU_SYSTEM = _l("System")


class CenterModelView(SecureModelView):
    """Center staff only (the base default); nothing is created or edited unless a view
    says so."""

    can_create = False
    can_edit = False
