"""Commands an operator runs: `create-user` puts a learner under the teaching point named
(where their applications are reviewed), and gunicorn's control socket stays off unless
an instance is given a path of its own."""
import os
import subprocess
import sys

from models import User, db
from tests import factories
from tests.foundation.test_jobs import ROOT


def test_create_user_makes_a_learner_of_a_teaching_point(app):
    point = factories.make_teaching_point(name="广州教学点")
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--role", "learner", "--username", "xueyuan1", "--name", "学员甲", "--phone", "13700000001",
        "--institution", "广州教学点"], input="Learn2026x\nLearn2026x\n")
    assert result.exit_code == 0, result.output
    with db.connection_context():
        learner = User.get(User.username == "xueyuan1")
    assert (learner.teaching_point_id, learner.institution_id) == (point.id, None)


def test_create_user_refuses_a_learner_under_a_college(app):
    factories.make_institution("college", name="某学院")
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--role", "learner", "--username", "xueyuan2", "--name", "学员乙", "--institution", "某学院"],
        input="Learn2026x\nLearn2026x\n")
    assert result.exit_code != 0 and "teaching point" in result.output
    assert User.get_or_none(User.username == "xueyuan2") is None


def gunicorn_settings(**env):
    code = ("from gunicorn.config import Config\nimport runpy\ncfg = Config()\n"
            "for k, v in runpy.run_path('app/gunicorn_conf.py').items():\n"
            "    if k in cfg.settings: cfg.set(k, v)\n"
            "print(cfg.control_socket_disable, cfg.control_socket)\n")
    answer = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, **env}, check=True,
                            capture_output=True, text=True)
    return answer.stdout.split()


def test_gunicorn_binds_no_shared_control_socket(tmp_path, monkeypatch):
    monkeypatch.delenv("GUNICORN_CONTROL_SOCKET", raising=False)
    assert gunicorn_settings()[0] == "True"
    own = str(tmp_path / "gunicorn.ctl")
    assert gunicorn_settings(GUNICORN_CONTROL_SOCKET=own) == ["False", own]
