"""Schema and data: ``init-db`` (create or migrate, then the reference data) and
``seed-demo``."""
import os

import click
from flask import current_app
from flask.cli import with_appcontext

from models import db
from services import database, filestore, reference, seed
from services.credentials import keys


def init_database():
    """Schema first (create or migrate), then the reference data every installation needs,
    and the first credential signing key (the published key set is never empty), under the
    init lock: hosts starting together take turns, and the later ones find the work done
    (every step only adds what is missing)."""
    with database.init_lock(current_app.config["DATABASE_URL"]):
        version = database.init_db()
        with db.connection_context(), db.atomic():
            reference.load()
        with db.connection_context():
            keys.active_key()
    return version


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create the schema, or migrate an existing database, and load the reference data."""
    version = init_database()
    click.echo(f"database ready (schema version {version}, reference data loaded)")
    if current_app.config["STORAGE_BACKEND"] == "s3":
        filestore.current().ensure_bucket()
        click.echo(f"file store ready (bucket {current_app.config['S3_BUCKET']})")


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="load demo logins even when APP_ENV=production")
@with_appcontext
def seed_demo_command(force):
    """Load the demo data (idempotent) and print the demo accounts."""
    if os.environ.get("APP_ENV") == "production" and not force:
        raise click.ClickException("APP_ENV=production: demo data has public logins; use --force to load it anyway")
    init_database()
    with db.connection_context():
        counts = seed.seed_demo()
    click.echo("demo data ready: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    click.echo(f"demo accounts (password {seed.DEMO_PASSWORD}):")
    for username, role_label in seed.DEMO_ACCOUNTS:
        click.echo(f"  {username:12s} {role_label}")


COMMANDS = (init_db_command, seed_demo_command)
