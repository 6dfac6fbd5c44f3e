"""One home for access rules: no module but services/permissions.py compares a role.

The walk reads the source, not the running app, so a new module is checked the day it is
added. A comparison "compares a role" when one of its operands mentions ``role``: an
attribute (``current_user.role``, ``User.role`` in a query, ``form.role.data``), a name
(``role``) or ``getattr(x, "role")``. Membership tests (``in`` / ``not in``) count too.
Code that needs such a question asks a named function of services/permissions.py
(``is_center``, ``acts_for``, ``accounts_of`` …) instead.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WALKED = ("admin", "views", "services", "app", "migrations", "models")
HOME = Path("services/permissions.py")


def _modules():
    for name in WALKED:
        path = ROOT / name
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from sorted(path.rglob("*.py"))


def _mentions_role(node):
    for part in ast.walk(node):
        if isinstance(part, ast.Attribute) and part.attr == "role":
            return True
        if isinstance(part, ast.Name) and part.id == "role":
            return True
        if (
            isinstance(part, ast.Call) and isinstance(part.func, ast.Name) and part.func.id == "getattr"
            and len(part.args) >= 2 and isinstance(part.args[1], ast.Constant) and part.args[1].value == "role"
        ):
            return True
    return False


def role_comparisons(source, filename="<source>"):
    """``(line, code)`` of every comparison in ``source`` with a role among its operands."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Compare) and any(_mentions_role(o) for o in (node.left, *node.comparators)):
            found.append((node.lineno, ast.unparse(node)))
    return sorted(found)


def test_the_walk_sees_every_kind_of_role_comparison():
    source = "\n".join([
        "a = current_user.role == CENTER",
        "b = user.role in INSTITUTION_USERS",
        "c = role != Role.LEARNER",
        "d = User.select().where(User.role == Role.LEARNER)",
        "e = self.role.data == Role.REVIEWER",
        "f = getattr(current_user, 'role', None) == LEARNER",
        "g = Role.CENTER not in {u.role for u in users}",
        # Not comparisons of a role: assignment, a keyword argument, a lookup by role.
        "user.role = Role.SUBUSER",
        "User.create(role=Role.LEARNER)",
        "page = homes.get(current_user.role)",
    ])
    assert [line for line, _code in role_comparisons(source)] == [1, 2, 3, 4, 5, 6, 7]


def test_no_module_but_permissions_compares_a_role():
    modules = list(_modules())
    assert ROOT / HOME in modules and len(modules) > 40  # the walk really covers the code
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {code}"
        for path in modules
        if path.relative_to(ROOT) != HOME
        for line, code in role_comparisons(path.read_text(encoding="utf-8"), str(path))
    ]
    assert not offenders, "ask a named function of services/permissions.py instead:\n" + "\n".join(offenders)
