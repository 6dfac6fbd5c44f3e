"""The one module that touches Flask-Admin's private API (its names that start with "_"),
with peewee's list of a query's joins, which Flask-Admin's own join handling needs beside
it, and the Flask-Babel domain Flask-Admin translates its own strings with.

Flask-Admin (2.x) keeps what it scaffolds for a model view — the search fields, filters,
sortable and listed columns — in underscore attributes, and some of what the platform
changes (the filter options, the joins, the list arguments) can only be changed by
overriding underscore methods. Everything else calls the small named functions below or
inherits ``PrivateHooks``; ``tests/foundation/test_flask_admin_adapter.py`` pins each
behaviour relied on, so that a Flask-Admin upgrade fails a test rather than a page, and
``tests/foundation/test_module_boundaries.py`` fails when another module uses a private
Flask-Admin name.
"""

# --- Flask-Admin's own strings --------------------------------------------------------------


def use_platform_translations(directory):
    """Flask-Admin translates its own strings (domain "admin") from ``directory``, where
    web.i18n compiles its catalogue merged with the platform's texts (admin_ui.po).
    Flask-Babel merges directories with the last one winning, so Flask-Admin's own
    directory is replaced rather than added to."""
    from flask_admin import babel as admin_babel

    admin_babel.domain._translation_directories = [directory]
    admin_babel.domain.cache.clear()


# --- the Admin object -------------------------------------------------------------------


def registered_views(admin):
    """Every view added to ``admin`` (``add_view``), in the order added, the index first."""
    return list(admin._views)


def view_by_endpoint(admin, endpoint):
    """The view of ``admin`` registered under ``endpoint``; LookupError when there is none."""
    for view in admin._views:
        if getattr(view, "endpoint", None) == endpoint:
            return view
    raise LookupError(endpoint)


def view_of_type(admin, view_class):
    """The first view of ``admin`` that is a ``view_class``; LookupError when there is none."""
    for view in admin._views:
        if isinstance(view, view_class):
            return view
    raise LookupError(view_class.__name__)


# --- what Flask-Admin scaffolded for a model view ---------------------------------------


def search_enabled(view):
    """Whether the view has a search box (``column_searchable_list`` gave fields)."""
    return bool(view._search_supported)


def search_fields(view):
    """The model fields the search box searches (a joined model's fields included)."""
    return list(view._search_fields or ())


def list_filters(view):
    """The view's filter objects, in the order their ``flt<n>_<index>`` arguments index them."""
    return list(view._filters or ())


def list_filter(view, index):
    """The filter a list argument's ``index`` names."""
    return view._filters[index]


def refresh_filters(view):
    """Build the view's filters again after ``column_filters`` changed on the instance."""
    view._refresh_filters_cache()


def list_columns(view):
    """The listed columns as (name, label) pairs, in the order the ``sort=<n>`` argument counts."""
    return list(view._list_columns)


def sortable_columns(view):
    """{column name: what it sorts by (a field or a field name)}."""
    return dict(view._sortable_columns)


def sort_field(view, column_name):
    """What the sortable column ``column_name`` sorts by."""
    return view._sortable_columns[column_name]


def default_order(view):
    """``column_default_sort`` as a list of (field or name, descending) pairs; [] when unset."""
    return view._get_default_order() or []


def list_arguments(view):
    """The list's page, sort, search and filters as the request gives them (a ViewArgs)."""
    return view._get_list_extra_args()


def sort_column_name(view, index):
    """The name of the listed column a ``sort=<index>`` argument names, or None."""
    column = view._get_column_by_idx(index)
    return column[0] if column else None


# --- building a list query the way Flask-Admin does -------------------------------------


def join_for(view, query, field, joins):
    """``query`` joined to ``field``'s model when it is not the view's own and not yet in
    ``joins`` (model names, updated): what a searched, filtered or sorted column needs."""
    return view._handle_join(query, field, joins)


def order_query(view, query, joins, order):
    """``query`` ordered by ``order`` ((field or name, descending) pairs), joining what the
    order needs; returns (query, joins)."""
    return view._order_by(query, joins, order)


def joined_models(query):
    """The models a peewee query joins already (peewee keeps them in ``_joins``)."""
    return {edge[0] for edges in query._joins.values() for edge in edges}


# --- the private methods the platform overrides -----------------------------------------


class PrivateHooks:
    """Mixed into the platform's model views before Flask-Admin's ``ModelView``: each
    private method the platform must change is overridden here only, and hands over to a
    public hook where the platform's rule lives."""

    def list_view_args(self, args):
        """Hook: correct the list arguments Flask-Admin read from the request."""
        return args

    def _get_list_extra_args(self):
        return self.list_view_args(super()._get_list_extra_args())

    def _get_filter_groups(self):
        """Flask-Admin reads filter options once, when the view is built; read them again
        for each request, so that options which are data (categories, years…) stay current.
        A filter's ``get_options(view)`` returning None keeps the options built at start-up."""
        groups = super()._get_filter_groups()
        for items in (groups or {}).values():
            for item in items:
                options = self._filters[item["index"]].get_options(self)
                if options is not None:
                    item["options"] = [(str(key), str(label)) for key, label in options]
        return groups

    def _handle_join(self, query, field, joins):
        """Flask-Admin joins the model of every searched, filtered or sorted column; a model
        the view's query already joins must not be joined twice (flask-admin #1432)."""
        if getattr(field, "model", None) in joined_models(query):
            return query
        return super()._handle_join(query, field, joins)
