"""The folder map keeps its promises: Flask-Admin's private API is used in
admin/flask_admin_adapter.py only, the admin packages import each other without cycles
(not even one broken by an import inside a function), and nothing in admin/ imports from
views/ (forms both use live in forms/)."""
import ast
import functools
import os

import flask_admin
import flask_babel
import peewee

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ADAPTER = os.path.join("admin", "flask_admin_adapter.py")
SKIPPED_DIRS = {".venv", ".git", "instance", "uploads", "translations", "test-output", "node_modules", "__pycache__"}
# Packages whose modules must not import each other in a cycle.
ACYCLIC_PACKAGES = ("admin", "views.learner")


def python_files(top=ROOT):
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.relpath(os.path.join(folder, name), ROOT)


def parse(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        return ast.parse(handle.read(), filename=path)


# --- private Flask-Admin names ------------------------------------------------------------


def defined_names(package, only_classes=None):
    """The names ``package``'s classes (or only those named in ``only_classes``) define:
    methods, class attributes and the ``self.x`` their methods set."""
    names = set()
    top = os.path.dirname(package.__file__)
    for folder, _dirs, files in os.walk(top):
        if "tests" in folder.split(os.sep):
            continue
        for file_name in files:
            if not file_name.endswith(".py"):
                continue
            with open(os.path.join(folder, file_name), encoding="utf-8") as handle:
                tree = ast.parse(handle.read())
            for cls in (node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)):
                if only_classes is not None and cls.name not in only_classes:
                    continue
                for node in ast.walk(cls):
                    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                        names.add(node.name)
                    elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                        names.add(node.id)
                    elif (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
                          and isinstance(node.value, ast.Name) and node.value.id == "self"):
                        names.add(node.attr)
    return names


@functools.cache
def flask_admin_private_names():
    """Every "_name" Flask-Admin defines on its classes, read from the installed version's
    source, and those of the Flask-Babel ``Domain`` its translation domain extends. peewee's
    Model defines a few of the same names (``_pk``) for its own rows: those are peewee's."""
    names = defined_names(flask_admin) | defined_names(flask_babel, only_classes={"Domain"})
    private = {name for name in names if name.startswith("_") and not name.startswith("__")}
    return frozenset(private - set(dir(peewee.Model)))


def private_uses(tree, names):
    """(line, name) of each ``x._name`` read or written, and of each method overriding one."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in names:
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.ClassDef):
            found += [(item.lineno, f"def {item.name}") for item in node.body
                      if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name in names]
    return found


def test_the_private_names_are_read_from_flask_admin():
    names = flask_admin_private_names()
    assert {"_handle_join", "_get_filter_groups", "_filters", "_joins", "_views", "_refresh_filters_cache",
            "_search_fields", "_sortable_columns", "_get_list_extra_args", "_translation_directories"} <= names
    assert "_pk" not in names and "_meta" not in names  # peewee's own


def test_the_scan_finds_a_private_use_and_an_override():
    source = "class V(ModelView):\n    def _handle_join(self):\n        return self._filters\n"
    assert private_uses(ast.parse(source), flask_admin_private_names()) == [(2, "def _handle_join"), (3, "_filters")]


def test_only_the_adapter_uses_private_flask_admin_names():
    names = flask_admin_private_names()
    offenders = [
        f"{path}:{line}: {name}"
        for path in python_files()
        if path != ADAPTER
        for line, name in private_uses(parse(path), names)
    ]
    assert not offenders, (
        "private Flask-Admin API outside admin/flask_admin_adapter.py (add a named function or a "
        "PrivateHooks method there, with a test in tests/foundation/test_flask_admin_adapter.py):\n"
        + "\n".join(offenders)
    )


# --- imports between modules ----------------------------------------------------------------


def module_name(path):
    parts = path[:-3].split(os.sep)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def project_modules():
    return {module_name(path): path for path in python_files()}


def imported_modules(path):
    """The project modules ``path`` imports, at the top or inside a function alike."""
    modules, package = project_modules(), module_name(path)
    if not path.endswith("__init__.py"):
        package = package.rpartition(".")[0]
    found = set()
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in modules else base)
    return {name for name in found if name in modules}


def import_graph(packages):
    modules = project_modules()
    inside = {name for name in modules if any(name == p or name.startswith(p + ".") for p in packages)}
    return {name: imported_modules(modules[name]) & inside for name in inside}


def cycles(graph):
    """The strongly connected groups of more than one module, and modules importing themselves."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph[node]:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_graph_sees_imports_inside_functions():
    graph = import_graph(("admin",))
    assert "admin.institution.base" in graph["admin.institution.account"]
    assert "admin.center" in graph["admin"]  # imported inside init_admin


def test_admin_and_the_learner_area_have_no_import_cycles():
    assert cycles(import_graph(ACYCLIC_PACKAGES)) == []


def test_admin_imports_nothing_from_views():
    offenders = {
        name: sorted(target for target in imported_modules(path) if target == "views" or target.startswith("views."))
        for name, path in project_modules().items()
        if name == "admin" or name.startswith("admin.")
    }
    assert {name: found for name, found in offenders.items() if found} == {}


# --- the whole tree: layers that only point down, and no cycle ------------------------------

# The application's packages, each on a layer; a module imports only from its own layer or
# below (admin and views share one; views may render inside the admin shell, admin never
# imports views; the consumer's tasks sit beside them, reached by name from below:
# tests/foundation/test_queue_boundaries.py).
LAYERS = {"models": 0, "migrations": 1, "services": 2, "forms": 3, "admin": 4, "views": 4, "tasks": 4, "app": 5}
# Areas of the admin that never import one another (what they share lives in admin/ itself).
ADMIN_AREAS = ("admin.center", "admin.institution", "admin.reviews")

# Known edges, to be removed by the work named beside them; nothing else may be added here.
KNOWN_EDGES = {}


def layer(module):
    return LAYERS[module.split(".")[0]]


def area(module):
    return next((name for name in ADMIN_AREAS if module == name or module.startswith(name + ".")), None)


def boundary_problems(graph, known=()):
    """Every import of ``graph`` that breaks a rule — upward across layers, admin importing
    views, one admin area importing another — and every cycle left once the ``known`` edges go."""
    problems = []
    for importer, targets in sorted(graph.items()):
        for target in sorted(targets):
            if (importer, target) in known:
                continue
            if layer(target) > layer(importer):
                problems.append(f"upward: {importer} -> {target}")
            elif importer.split(".")[0] == "admin" and target.split(".")[0] == "views":
                problems.append(f"admin importing views: {importer} -> {target}")
            elif area(importer) and area(target) and area(importer) != area(target):
                problems.append(f"another admin area: {importer} -> {target}")
    pruned = {name: {t for t in targets if (name, t) not in known} for name, targets in graph.items()}
    return problems + [f"cycle: {' <-> '.join(group)}" for group in cycles(pruned)]


def test_the_whole_tree_imports_only_downward_and_without_cycles():
    """Every module of the application, imports inside functions included."""
    graph = import_graph(tuple(LAYERS))
    assert len(graph) > 150 and "migrations" in graph["services.database"]  # the walk reads the whole tree
    problems = boundary_problems(graph, KNOWN_EDGES)
    assert not problems, "\n".join(problems)
    unused = {edge for edge in KNOWN_EDGES if edge[1] not in graph.get(edge[0], ())}
    assert not unused, f"these known edges are gone: take them off KNOWN_EDGES {sorted(unused)}"


def test_the_boundary_check_reports_planted_violations():
    """Test of the test: a planted tree with an upward import inside a function, a cycle,
    an admin area importing another and admin importing views reports each."""
    planted = {
        "models": set(),
        "services.planted": {"models", "app.factory"},  # services reaching up (a function-level import)
        "app.factory": {"services.planted"},
        "services.a": {"services.b"},
        "services.b": {"services.a"},
        "admin.institution.planted": {"admin.reviews.base"},
        "admin.reviews.base": {"services.a"},
        "admin.excel": {"views.portal"},
        "views.portal": {"services.a"},
    }
    assert set(boundary_problems(planted)) == {
        "another admin area: admin.institution.planted -> admin.reviews.base",
        "admin importing views: admin.excel -> views.portal",
        "upward: services.planted -> app.factory",
        "cycle: app.factory <-> services.planted",
        "cycle: services.a <-> services.b",
    }
    assert boundary_problems(planted, {("services.planted", "app.factory"), ("services.b", "services.a"),
                                       ("admin.institution.planted", "admin.reviews.base"),
                                       ("admin.excel", "views.portal")}) == []
