"""What the management-center views share: the menus and a base view whose filter
options are read per request (filters are ``admin.institution.WhereFilter``)."""
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

    def get_count_query(self):
        return self.get_query()

    def _get_filter_groups(self):
        """Flask-Admin reads filter options once at start-up; options that are data
        (categories, teaching points) are read again for each request."""
        groups = super()._get_filter_groups()
        for items in (groups or {}).values():
            for item in items:
                options = self._filters[item["index"]].get_options(self)
                if options is not None:
                    item["options"] = [(str(key), str(label)) for key, label in options]
        return groups
