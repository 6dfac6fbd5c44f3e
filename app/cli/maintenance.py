"""Upkeep: ``housekeeping`` (nightly), ``sweep-uploads`` (orphan files) and
``rotate-signing-key`` (a new key for verifiable credentials)."""
import click
from flask.cli import with_appcontext

from models import db
from services import housekeeping, storage
from services import queue as job_queue
from services.credentials import keys


@click.command("housekeeping")
@click.option("--queue", is_flag=True, help="hand it to the job consumer instead of running it here")
@with_appcontext
def housekeeping_command(queue):
    """Remove old codes, attempt records and orphan files; optimise SQLite (nightly job)."""
    if queue:
        job_queue.enqueue("housekeeping")
        click.echo("housekeeping queued")
        return
    with db.connection_context():
        removed = housekeeping.run()
    click.echo("housekeeping done: " + ", ".join(f"{k} {v}" for k, v in removed.items()))


@click.command("sweep-uploads")
@click.option("--min-age", default=3600, show_default=True, help="seconds (at least 600); younger files are left alone")
@click.option("--dry-run", is_flag=True, help="only list the files that would be removed")
@with_appcontext
def sweep_uploads_command(min_age, dry_run):
    """Remove stored files that no attachment row refers to (run it daily)."""
    try:
        with db.connection_context():
            orphans = storage.sweep_orphans(min_age, dry_run=dry_run)
    except storage.SweepRefused as error:
        raise click.ClickException(str(error)) from error
    for name in orphans if dry_run else ():
        click.echo(name)
    click.echo(f"{'would remove' if dry_run else 'removed'} {len(orphans)} orphan file(s)")


@click.command("rotate-signing-key")
@with_appcontext
def rotate_signing_key_command():
    """Add a new Ed25519 key for signing verifiable credentials; older keys stay published."""
    with db.connection_context():
        row = keys.create_key()
    click.echo(f"new signing key {row.kid}; every earlier key stays in /.well-known/jwks.json")


COMMANDS = (housekeeping_command, sweep_uploads_command, rotate_signing_key_command)
