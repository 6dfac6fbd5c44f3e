"""Accounts from the command line: ``create-admin`` (the first center account) and
``create-user`` (any role). Passwords are prompted, never printed."""
import click
from flask.cli import with_appcontext

from models import Role, db
from services import accounts


def _create(**fields):
    with db.connection_context():
        try:
            return accounts.create_user(**fields)
        except accounts.AccountError as error:
            raise click.ClickException(str(error)) from None


@click.command("create-admin")
@click.option("--username", prompt=True)
@click.option("--name", "real_name", prompt="Real name")
@click.option("--phone", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_admin_command(username, real_name, phone, password):
    """Create a center (学分银行管理中心) account; the password is prompted, never printed."""
    user = _create(role=Role.CENTER, username=username, real_name=real_name, password=password, phone=phone)
    click.echo(f"created center account {user.username} (id {user.id})")


@click.command("create-user")
@click.option("--role", required=True, type=click.Choice(Role.codes()))
@click.option("--username", required=True)
@click.option("--name", "real_name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--phone", default=None)
@click.option("--institution", "institution_name", default=None, help="institution or teaching point name")
@with_appcontext
def create_user_command(role, username, real_name, password, phone, institution_name):
    """Create an account of any role."""
    user = _create(role=role, username=username, real_name=real_name, password=password, phone=phone,
                   institution_name=institution_name)
    click.echo(f"created {role} {user.username} (id {user.id})")


COMMANDS = (create_admin_command, create_user_command)
