"""The package installs and runs: a wheel built from the source, installed with its declared
dependencies (pinned by the lock) into a fresh virtualenv, run from a folder outside the
source tree, migrates a database, creates the first account, serves the login page (its
template, static files and zh_CN translations from the wheel) and lets that account in.
The wheel is the same whichever database the suite runs on: it is checked in the SQLite pass."""
import os
import shutil
import subprocess
import sys
import time
import zipfile

import pytest
import requests

from tests.deployment.harness import PASSWORD, ROOT, Session, free_port

# What a checkout holds that the build must not see (and must not write into).
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "instance", "uploads", "test-output", "build", "*.egg-info",
                                    "__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache", "tests", "bench")


def run(command, **kwargs):
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("the wheel is checked once, in the SQLite pass")
    folder = tmp_path_factory.mktemp("wheel")
    source = folder / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(folder / "dist"), str(source)])
    (wheel,) = (folder / "dist").glob("creditbank-*.whl")
    venv = folder / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    # --no-compile: no .pyc written ahead for ~50 packages (Python compiles what it imports).
    run([str(venv / "bin" / "pip"), "install", "--quiet", "--no-compile", str(wheel),
         "-c", os.path.join(ROOT, "requirements.txt")])
    return wheel, venv


def test_the_wheel_holds_the_code_templates_static_files_and_translations(installed):
    wheel, _venv = installed
    names = zipfile.ZipFile(wheel).namelist()
    for expected in ("app/factory.py", "app/cli/serving.py", "migrations/v18_fine_name_statistics.py",
                     "services/excel/kinds.py", "services/credentials/keys.py", "views/learner/home.py",
                     "templates/base.html", "templates/admin/model/layout.html", "static/app.css",
                     "static/vendor/chartjs/chart.umd.min.js", "i18n/admin_ui.po"):
        assert expected in names, expected
    assert not [name for name in names if name.startswith(("tests/", "bench/")) or "__pycache__" in name]


def test_the_installed_console_script_serves_the_login_page(installed, tmp_path):
    _wheel, venv = installed
    creditbank = str(venv / "bin" / "creditbank")
    work = tmp_path / "site"
    work.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "FLASK_APP", "SECRET_KEY")}
    env.update(DATABASE_URL=f"sqlite:///{work}/creditbank.db", HUEY_IMMEDIATE="1", WEB_CONCURRENCY="1",
               PASSWORD_HASH_METHOD="pbkdf2:sha256:1000")
    where = run([str(venv / "bin" / "python"), "-c", "import app, services; print(app.__file__, services.__file__)"],
                cwd=work, env=env)
    assert str(ROOT) not in where and str(venv) in where

    commands = run([creditbank, "--help"], cwd=work, env=env)
    for command in ("run", "serve", "init-db", "create-admin", "backup", "restore"):
        assert f"\n  {command} " in commands, command
    assert "schema version" in run([creditbank, "init-db"], cwd=work, env=env)
    run([creditbank, "create-admin", "--username", "boss", "--name", "王主任", "--phone", "13800001111",
         "--password", PASSWORD], cwd=work, env=env)
    assert (work / "instance" / "secret_key").exists() and (work / "instance" / "translations").is_dir()

    port = free_port()
    server = subprocess.Popen([creditbank, "serve", "--bind", f"127.0.0.1:{port}"], cwd=work, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        login = _wait_for(base + "/login", server)
        assert "登录" in login.text and "个人用户" in login.text  # the template, in zh_CN
        assert requests.get(base + "/static/app.css", timeout=10).status_code == 200
        session = Session(base, lambda response: None)
        session.login("boss", "person")
        home = session.get("/admin/")
        assert home.status_code == 200 and "学分银行管理中心" in home.text
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "Booting worker" in output

    archive = tmp_path / "backup.tar.gz"
    assert "backup written" in run([creditbank, "backup", str(archive)], cwd=work, env=env)
    assert archive.stat().st_size > 0


def _wait_for(url, server, seconds=180):
    """The first answer of the server (its worker imports the whole app first: slow on a
    busy machine)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(server.stdout.read()[-3000:])
        try:
            return requests.get(url, timeout=30)
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")
