"""Packaging: the console script serves this app's commands, and the lock files pin every
top-level requirement as requirements*.in pin it (make lock keeps them in step)."""
import os
import re
import tomllib

from click.testing import CliRunner

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pins(path):
    found = {}
    with open(os.path.join(ROOT, path)) as handle:
        for line in handle:
            match = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;#]+)", line.strip())
            if match:
                found[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return found


def test_the_console_script_lists_the_apps_commands():
    from app import command_line

    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as handle:
        project = tomllib.load(handle)["project"]
    assert project["scripts"]["creditbank"] == "app:main"
    result = CliRunner().invoke(command_line(), ["--help"])
    assert result.exit_code == 0
    for command in ("init-db", "create-admin", "seed-demo", "backup", "restore", "housekeeping"):
        assert command in result.output, command


def test_the_lock_files_pin_every_requirement_as_the_inputs_do():
    runtime, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    for name, version in pins("requirements.in").items():
        assert runtime.get(name) == version and dev.get(name) == version, name
    for name, version in pins("requirements-dev.in").items():
        assert dev.get(name) == version, name
    assert set(runtime) <= set(dev)
    assert all(dev[name] == version for name, version in runtime.items())


CODE = ("app", "admin", "forms", "migrations", "models", "services", "tasks", "views")


def imported_distributions(root=ROOT, folders=CODE):
    """{distribution: a file importing it} for every library the application's code imports
    (at any level), by the installed distributions' top-level names."""
    import ast
    import importlib.metadata
    import pathlib
    import sys

    providers = importlib.metadata.packages_distributions()
    found = {}
    for folder in folders:
        for path in sorted(pathlib.Path(root, folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in CODE or top in sys.stdlib_module_names:
                        continue
                    for distribution in providers.get(top, [top]):
                        found.setdefault(re.sub(r"[-_.]+", "-", distribution).lower(), str(path))
    return found


def test_every_imported_library_is_declared():
    """The wheel's dependencies are requirements.in: a library the code imports must be
    pinned there, not only arrive through another package."""
    declared = set(pins("requirements.in"))
    missing = {name: where for name, where in imported_distributions().items() if name not in declared}
    assert not missing


def test_the_declaration_check_sees_an_undeclared_import(tmp_path):
    """Test of the test: a module importing a library only the lock holds is reported."""
    planted = tmp_path / "views"
    planted.mkdir()
    (planted / "planted.py").write_text("def f():\n    import jmespath\n    return jmespath\n")
    assert "jmespath" in imported_distributions(tmp_path, ("views",))
    assert "jmespath" not in pins("requirements.in") and "jmespath" in pins("requirements.txt")
