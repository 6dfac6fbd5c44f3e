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
