"""Backups: the database and every stored file in one ``.tar.gz``.

SQLite is copied through its online backup API (consistent while the app keeps writing);
PostgreSQL through ``pg_dump --format=custom`` and back through ``pg_restore``; stored
files come from the configured file store (local disk or S3) and go back into it. A
restore goes only into an empty database (one with no schema yet), so it can never mix
two installations' rows.
"""
import datetime as dt
import glob
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile

from services.storage import STORED_NAME

FORMAT = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"


class RestoreRefused(Exception):
    pass


def _kind(url):
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def _sqlite_path(url):
    # sqlite:///relative.db or sqlite:////absolute.db, as playhouse.db_url reads them.
    return url.split(":///", 1)[1]


def _pg_tool(name):
    """pg_dump / pg_restore: on PATH, else Debian's versioned folder (newest first)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if not candidates:
        raise RuntimeError(f"{name} is not installed (Debian package postgresql-client)")
    return candidates[0]


def _pg_url(url):
    # libpq knows postgresql:// and postgres://, not peewee's postgresext://.
    return url.replace("postgresext://", "postgresql://", 1)


def _sqlite_copy(source_path, target_path):
    """Copy one SQLite database into another through the online backup API."""
    source, target = sqlite3.connect(source_path), sqlite3.connect(target_path)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()


def _dump_database(url, target):
    if _kind(url) == "sqlite":
        _sqlite_copy(_sqlite_path(url), target)
    else:
        subprocess.run(
            [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "-f", target, _pg_url(url)],
            check=True,
        )


def _schema_version(url):
    """The stored schema version, or 0 for a database without our schema."""
    from models import db
    from services import database

    database.open_database(url)
    with db.connection_context():
        return database.current_version()


def _stored_names(store):
    return sorted(name for name, _modified in store.listing() if STORED_NAME.match(name))


def _add_stored_file(tar, store, name):
    """One stored file into the archive, streamed from the store (disk or S3)."""
    with tempfile.TemporaryFile() as copy:
        source = store.open(name)
        try:
            shutil.copyfileobj(source, copy, 64 * 1024)
        finally:
            source.close()
        info = tarfile.TarInfo(f"{UPLOADS}/{name}")
        info.size = copy.tell()
        copy.seek(0)
        tar.addfile(info, copy)


def create(database_url, store, archive):
    """Write ``archive`` from the database and ``store``; returns a one-line summary."""
    kind = _kind(database_url)
    version = _schema_version(database_url)
    with tempfile.TemporaryDirectory() as work:
        dump = os.path.join(work, "database.sqlite3" if kind == "sqlite" else "database.pgdump")
        _dump_database(database_url, dump)
        files = _stored_names(store)
        manifest = {
            "format": FORMAT,
            "database": kind,
            "schema_version": version,
            "created_at": dt.datetime.now().isoformat(timespec="seconds"),
            "files": len(files),
        }
        partial = archive + ".partial"
        with tarfile.open(partial, "w:gz") as tar:
            info = tarfile.TarInfo(MANIFEST)
            body = json.dumps(manifest, indent=2).encode()
            info.size = len(body)
            info.mtime = int(dt.datetime.now().timestamp())
            tar.addfile(info, io.BytesIO(body))
            tar.add(dump, arcname=os.path.basename(dump))
            for name in files:
                _add_stored_file(tar, store, name)
        os.replace(partial, archive)  # never leave a half-written archive under the real name
    return f"{kind} schema version {version}, {len(files)} file(s)"


def _read_manifest(tar):
    try:
        member = tar.extractfile(MANIFEST)
    except KeyError:
        member = None
    if member is None:
        raise RestoreRefused("not a backup of this application (no manifest.json)")
    manifest = json.load(member)
    if manifest.get("format") != FORMAT:
        raise RestoreRefused(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def _restore_database(manifest, work, url):
    if manifest["database"] != _kind(url):
        raise RestoreRefused(f"the backup holds a {manifest['database']} database; DATABASE_URL is {_kind(url)}")
    if _schema_version(url) != 0:
        raise RestoreRefused("the database is not empty: restore only into a new, empty database")
    if _kind(url) == "sqlite":
        _sqlite_copy(os.path.join(work, "database.sqlite3"), _sqlite_path(url))
    else:
        subprocess.run(
            [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "-d", _pg_url(url),
             os.path.join(work, "database.pgdump")],
            check=True,
        )


def restore(archive, database_url, store):
    """Restore ``archive`` into an empty database and ``store``; returns a summary."""
    with tarfile.open(archive, "r:gz") as tar, tempfile.TemporaryDirectory() as work:
        manifest = _read_manifest(tar)
        # The "data" filter refuses absolute paths, links out of the folder and devices.
        tar.extractall(work, filter="data")
        _restore_database(manifest, work, database_url)
        source = os.path.join(work, UPLOADS)
        names = [n for n in os.listdir(source) if STORED_NAME.match(n)] if os.path.isdir(source) else []
        for name in names:
            with open(os.path.join(source, name), "rb") as handle:
                store.write(name, iter(lambda handle=handle: handle.read(64 * 1024), b""))
        restored = len(names)
    return f"{manifest['database']} schema version {manifest['schema_version']}, {restored} file(s)"
