"""The Credit Bank Platform's web application: ``create_app`` (factory.py), its settings
(config.py) and its command line (cli/).

    flask --app app run            # serve (see README for the two commands)
    flask --app app init-db        # create or migrate the schema, load the reference data
    creditbank init-db             # the same commands through the installed console script
"""
from flask.cli import FlaskGroup

from app.factory import create_app

__all__ = ["command_line", "create_app", "main"]


def command_line():
    """The flask commands of this app as one click group."""
    return FlaskGroup(create_app=create_app)


def main():
    """The ``creditbank`` console script: ``creditbank init-db``, ``creditbank run``, …"""
    command_line()()
