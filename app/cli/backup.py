"""``backup`` and ``restore``: the database and every stored file in one .tar.gz."""
import click
from flask import current_app
from flask.cli import with_appcontext

from services import backup, filestore


@click.command("backup")
@click.argument("archive", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(archive):
    """Write the database and every stored file into ARCHIVE (.tar.gz)."""
    summary = backup.create(current_app.config["DATABASE_URL"], filestore.current(), archive)
    click.echo(f"backup written to {archive}: {summary}")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore_command(archive):
    """Restore ARCHIVE into an empty database and the upload folder."""
    try:
        summary = backup.restore(archive, current_app.config["DATABASE_URL"], filestore.current())
    except backup.RestoreRefused as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored {archive}: {summary}")


COMMANDS = (backup_command, restore_command)
