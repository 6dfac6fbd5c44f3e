"""The command line (``flask --app app …`` or ``creditbank …``), one module per group of
commands: database (init-db, seed-demo), accounts (create-admin, create-user), backup
(backup, restore), maintenance (housekeeping, sweep-uploads, rotate-signing-key), serving
(serve). Each command runs inside the app's context (``current_app``)."""
from app.cli import accounts, backup, database, maintenance, serving

GROUPS = (database, accounts, backup, maintenance, serving)


def register(app):
    for group in GROUPS:
        for command in group.COMMANDS:
            app.cli.add_command(command)
