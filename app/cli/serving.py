"""``serve``: the production server, as `make serve` runs it — the schema brought up to
date and the reference data loaded, then gunicorn with the settings of
app/gunicorn_conf.py (all from the environment)."""
import click
from flask.cli import with_appcontext
from gunicorn.app.base import BaseApplication
from gunicorn.config import KNOWN_SETTINGS
from gunicorn.util import import_app

from app import gunicorn_conf
from app.cli.database import init_database

SETTING_NAMES = {setting.name for setting in KNOWN_SETTINGS}


class Server(BaseApplication):
    """gunicorn inside this process. Each worker builds its own app after the fork from
    the ``wsgi_app`` setting (``preload_app`` is off: database connections are per process)."""

    def __init__(self, settings):
        self.settings = settings
        super().__init__()

    def load_config(self):
        for name, value in self.settings.items():
            self.cfg.set(name, value)

    def load(self):
        return import_app(self.cfg.wsgi_app)


def settings(bind=None):
    """gunicorn's settings from app/gunicorn_conf.py; ``bind`` overrides its BIND."""
    chosen = {name: value for name, value in vars(gunicorn_conf).items() if name in SETTING_NAMES}
    if bind:
        chosen["bind"] = bind
    return chosen


@click.command("serve")
@click.option("--bind", default=None, help="address:port (default: BIND, or 127.0.0.1:8000)")
@with_appcontext
def serve_command(bind):
    """Migrate the schema and load the reference data, then serve with gunicorn."""
    click.echo(f"database ready (schema version {init_database()})")
    Server(settings(bind)).run()


COMMANDS = (serve_command,)
