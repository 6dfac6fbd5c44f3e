"""The typed modules stay typed: mypy (configured in pyproject.toml, [tool.mypy]) finds no
error in them, and every function there is annotated. `make lint` runs the same check;
this test keeps it in `make test`, which is what CI runs."""
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def mypy(*args):
    return subprocess.run([sys.executable, "-m", "mypy", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_the_typed_modules_pass_mypy():
    done = mypy()
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]


def test_mypy_reports_an_unannotated_function_in_a_typed_module(tmp_path):
    """Test of the test: a planted module with an untyped function and a wrong return type,
    checked with the project's settings, is reported on both."""
    planted = tmp_path / "planted.py"
    planted.write_text("def untyped(x):\n    return x\n\n\ndef wrong() -> int:\n    return 'text'\n")
    with open(ROOT / "pyproject.toml", "rb") as handle:
        settings = tomllib.load(handle)["tool"]["mypy"]
    assert settings["disallow_untyped_defs"] and settings["files"]
    done = mypy("--config-file", str(ROOT / "pyproject.toml"), str(planted))
    assert done.returncode == 1
    assert "[no-untyped-def]" in done.stdout and "[return-value]" in done.stdout
