"""A record is written only by its domain service (services/records, services/ledger, the
account and rule services): views, admin screens and the API translate input and call it.

The checker reads every module of views/ and admin/ (the API lives in views/api/) and
reports (1) a write called on a protected model (``LearnerAchievement.create(…)``,
``Application.update(…)``, ``User.insert_many(…)``…), (2) ``.save()`` or
``.delete_instance()`` on any row, unless the function is listed in ``ROW_WRITES`` with the
reason it writes no protected record; and a runtime check finds every admin view of a
protected model that may create, edit or delete and makes sure it hands each to a service.
"""
import ast
import inspect
import pathlib

import pytest

from admin import flask_admin_adapter as fa
from admin.base import SecureModelView

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROTECTED = {"LearnerAchievement", "CatalogueAchievement", "Application", "ReviewRecord", "ConversionBatch",
             "Feedback", "User"}
CLASS_WRITES = {"create", "insert", "insert_many", "insert_from", "update", "delete", "replace", "replace_many",
                "bulk_create", "bulk_update", "get_or_create", "delete_by_id", "set_by_id"}
ROW_WRITE_METHODS = {"save", "delete_instance"}
# (module, function) whose row writes touch no protected record, and why.
ROW_WRITES = {
    ("admin/base.py", "delete_record"): "the generic delete; views of protected models override it (checked below)",
    ("admin/center/catalogue.py", "update_model"): "categories and framework levels, which have no service",
    ("admin/center/catalogue.py", "create_model"): "categories, which have no service",
}


def writes(tree, path):
    """(line, function, what) of every write the rule forbids in one module."""
    found = []
    for function in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
        for node in ast.walk(function):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            method, target = node.func.attr, node.func.value
            if method in CLASS_WRITES and isinstance(target, ast.Name) and target.id in PROTECTED:
                found.append((node.lineno, function.name, f"{target.id}.{method}()"))
            elif method in ROW_WRITE_METHODS and (path, function.name) not in ROW_WRITES:
                found.append((node.lineno, function.name, f".{method}()"))
    return sorted(found)


def _modules():
    for folder in ("views", "admin"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def test_the_checker_catches_each_kind_of_write():
    code = """
def view():
    LearnerAchievement.create(name="x")
    Application.update(status="x").execute()
    User.insert_many([]).execute()
    Feedback.delete().execute()
    row.save()
    row.delete_instance()
    Message.update(read_at=1).execute()
    LearnerAchievement.select().where(LearnerAchievement.id == 1)
"""
    assert [line for line, _f, _w in writes(ast.parse(code), "views/x.py")] == [3, 4, 5, 6, 7, 8]


def test_views_admin_and_the_api_write_no_record_directly():
    offenders = [f"{path}:{line} in {function}: {what}"
                 for path, tree in _modules() for line, function, what in writes(tree, path)]
    assert not offenders, "records written outside their domain service:\n" + "\n".join(offenders)


def _own(view_class, name):
    """The class defining ``name`` in the view's MRO, if it is one of ours (not Flask-Admin's)."""
    for klass in inspect.getmro(view_class):
        if name in vars(klass):
            return klass if klass.__module__.startswith("admin") else None
    return None


def test_admin_views_of_protected_models_hand_every_write_to_a_service(app):
    checked = 0
    for view in fa.registered_views(app.extensions["admin"][0]):
        if not isinstance(view, SecureModelView) or view.model.__name__ not in PROTECTED:
            continue
        # Each allowed write is its own create_model / update_model / delete_record (calling the
        # service), or a create page of its own that never reaches Flask-Admin's create_model.
        for allowed, methods in (("can_create", ("create_model", "create_view")), ("can_edit", ("update_model",)),
                                 ("can_delete", ("delete_record",))):
            if getattr(view, allowed, False):
                owners = [_own(type(view), method) for method in methods]
                assert any(owner not in (None, SecureModelView) for owner in owners), (
                    f"{view.endpoint}: {allowed} without its own {' or '.join(methods)} calling the record's service")
                checked += 1
    assert checked >= 4


@pytest.mark.parametrize("path, function", sorted(ROW_WRITES))
def test_every_listed_row_write_still_exists(path, function):
    """A listed exception that no longer exists is removed from the list."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    assert any(isinstance(n, ast.FunctionDef) and n.name == function for n in ast.walk(tree))
