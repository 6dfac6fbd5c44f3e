"""One home for access rules: no module but services/permissions.py (and models/, where
``Role`` and its sets are declared) asks a question about a role.

The walk reads the source, not the running app, so a new module is checked the day it is
added. A comparison "compares a role" when one of its operands mentions ``role``: an
attribute (``current_user.role``, ``User.role`` in a query, ``form.role.data``), a name
(``role``) or ``getattr(x, "role")``. Membership tests count too (``in`` / ``not in``, and
peewee's ``.in_()`` and ``<<``), ``match`` on a role, and the role codes spelled out as
strings (``role="center"``, a list of codes) where ``Role`` and its named sets belong.
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


ROLE_CODES = frozenset({"learner", "center", "reviewer", "committee", "institution", "subuser"})
IN_METHODS = ("in_", "not_in", "is_in", "contains")  # peewee's membership tests


def _is_role_code(node):
    return isinstance(node, ast.Constant) and node.value in ROLE_CODES


def _role_questions(node):
    """Why ``node`` asks a question about a role, or None."""
    if isinstance(node, ast.Compare) and any(_mentions_role(o) for o in (node.left, *node.comparators)):
        return "comparison"
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in IN_METHODS
            and (_mentions_role(node.func.value) or any(_mentions_role(a) for a in node.args))):
        return f".{node.func.attr}()"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.LShift) and (
            _mentions_role(node.left) or _mentions_role(node.right)):
        return "<<"
    if isinstance(node, ast.Match) and _mentions_role(node.subject):
        return "match"
    if isinstance(node, ast.keyword) and node.arg in ("role", "roles") and any(
            _is_role_code(part) for part in ast.walk(node.value)):
        return "role code spelled out"
    if isinstance(node, ast.List | ast.Tuple | ast.Set) and sum(map(_is_role_code, node.elts)) >= 2:
        return "role codes spelled out"
    return None


def role_comparisons(source, filename="<source>"):
    """``(line, code)`` of every question about a role in ``source``: a comparison with a
    role among its operands (``==``, ``in`` …), peewee's ``.in_()`` and ``<<`` on a role,
    ``match`` on a role, and the role codes spelled out as strings (``role="center"``,
    ``["learner", "center", …]``) instead of ``Role`` and the named sets."""
    found = []
    tree = ast.parse(source, filename)
    for node in ast.walk(tree):
        if _role_questions(node) is not None:
            line = node.value.lineno if isinstance(node, ast.keyword) else node.lineno
            found.append((line, ast.unparse(node).splitlines()[0]))
    return sorted(found)


def test_the_walk_sees_every_kind_of_role_comparison():
    """Test of the test: a planted module asking about roles in every way is reported on
    each line that does, and on none of the lines that only store or look up a role."""
    source = "\n".join([
        "a = current_user.role == CENTER",
        "b = user.role in INSTITUTION_USERS",
        "c = role != Role.LEARNER",
        "d = User.select().where(User.role == Role.LEARNER)",
        "e = self.role.data == Role.REVIEWER",
        "f = getattr(current_user, 'role', None) == LEARNER",
        "g = Role.CENTER not in {u.role for u in users}",
        "h = User.select().where(User.role.in_([Role.CENTER, Role.REVIEWER]))",
        "i = User.select().where(User.role << STAFF_ROLES)",
        "j = User.select().where(User.role.not_in(STAFF_ROLES))",
        "accounts.create_user(role='center', username='x')",
        "CHOICES = ['learner', 'center', 'reviewer']",
        "match user.role:\n    case 'center':\n        pass",
        # Not questions about a role: assignment, a keyword argument, a lookup by role, an
        # unrelated "institution" (the login identity), one code alone in a list.
        "user.role = Role.SUBUSER",
        "User.create(role=Role.LEARNER)",
        "page = homes.get(current_user.role)",
        "identity = request.form.get('identity', 'person') == 'institution'",
        "KEYS = ['institution', 'project_name']",
    ])
    assert [line for line, _code in role_comparisons(source)] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]


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
