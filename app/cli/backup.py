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
@click.option("--dry-run", is_flag=True, help="check everything, write nothing")
@with_appcontext
def restore_command(archive, dry_run):
    """Restore ARCHIVE into an empty database and the file store. Every check runs before
    anything is written; the files go first, the database last in one step."""
    url, store = current_app.config["DATABASE_URL"], filestore.current()
    try:
        if dry_run:
            for line in backup.plan(archive, url, store)["lines"]:
                click.echo(line)
            click.echo("dry run: every check passed, nothing was written")
            return
        summary = backup.restore(archive, url, store)
    except backup.RestoreRefused as error:
        raise click.ClickException(f"restore refused before writing: {error}") from None
    except backup.RestoreInterrupted as error:
        raise click.ClickException(f"restore interrupted: {error}") from None
    click.echo(f"restored {archive}: {summary}")


COMMANDS = (backup_command, restore_command)
