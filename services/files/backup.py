"""Backups: the database and every stored file in one ``.tar.gz``, and a restore that cannot
half-fail.

SQLite is copied through its online backup API (consistent while the app keeps writing);
PostgreSQL through ``pg_dump --format=custom``. Stored files come from the configured file
store (local disk or S3). The manifest, last in the archive, lists every member with its
size and SHA-256.

``restore`` first checks everything and writes nothing (``plan``; ``restore --dry-run``
stops there): the archive is whole (read to its end) and every member matches the
manifest; the database is of the archive's kind, reachable and empty (no table at all:
a restore never mixes two installations' rows); the file store answers and its bucket
exists or these credentials may create it; there is room for the dump (and, on SQLite or
local disk, for the database and the files). Then it writes the files (named by content
and unique, so writing one again is harmless) and, last, the database in one step —
``pg_restore --single-transaction``, or a SQLite copy moved into place — so a failure
anywhere leaves the database empty and the same command can simply be run again.
"""
import contextlib
import datetime as dt
import glob
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile

from services.files.filestore import EXISTS, MISSING
from services.files.storage import STORED_NAME

FORMAT = 2  # 2: manifest last, with every member's size and SHA-256; 1: manifest first, a file count
MANIFEST = "manifest.json"
UPLOADS = "uploads"
CHUNK = 64 * 1024
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
SPACE_MARGIN = 1.1  # room asked for beyond the bytes themselves


class RestoreRefused(Exception):
    """A check failed: nothing was written."""


class RestoreInterrupted(Exception):
    """Writing failed part way: the database is still empty; the same restore may run again."""


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
    from services.core import database

    database.open_database(url)
    with db.connection_context():
        return database.current_version()


def _stored_names(store):
    return sorted(name for name, _modified in store.listing() if STORED_NAME.match(name))


class _Discard:
    def write(self, chunk):
        pass


def _hashed_copy(chunks, target):
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
        target.write(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


def _add(tar, name, handle, size):
    info = tarfile.TarInfo(name)
    info.size, info.mtime = size, int(dt.datetime.now().timestamp())
    tar.addfile(info, handle)


def create(database_url, store, archive):
    """Write ``archive`` from the database and ``store``; returns a one-line summary."""
    kind = _kind(database_url)
    version = _schema_version(database_url)
    members = {}
    with tempfile.TemporaryDirectory() as work:
        dump = os.path.join(work, DUMPS[kind])
        _dump_database(database_url, dump)
        files = _stored_names(store)
        partial = archive + ".partial"
        with tarfile.open(partial, "w:gz") as tar:
            with open(dump, "rb") as handle:
                members[DUMPS[kind]] = _hashed_copy(iter(lambda: handle.read(CHUNK), b""), _Discard())
            tar.add(dump, arcname=DUMPS[kind])
            for name in files:
                with tempfile.TemporaryFile() as copy:  # streamed from the store (disk or S3)
                    source = store.open(name)
                    try:
                        entry = _hashed_copy(iter(lambda s=source: s.read(CHUNK), b""), copy)
                    finally:
                        source.close()
                    copy.seek(0)
                    _add(tar, f"{UPLOADS}/{name}", copy, entry["size"])
                    members[f"{UPLOADS}/{name}"] = entry
            manifest = {"format": FORMAT, "database": kind, "schema_version": version,
                        "created_at": dt.datetime.now().isoformat(timespec="seconds"), "files": len(files),
                        "members": members}
            body = json.dumps(manifest, indent=2).encode()
            _add(tar, MANIFEST, io.BytesIO(body), len(body))
        os.replace(partial, archive)  # never leave a half-written archive under the real name
    return f"{kind} schema version {version}, {len(files)} file(s)"


# --- restore: the checks ------------------------------------------------------------------


def _read_through(archive):
    """Read the whole archive once: the manifest and each member's size and SHA-256."""
    found, manifest = {}, None
    try:
        with tarfile.open(archive, "r|gz") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                handle = tar.extractfile(member)
                if member.name == MANIFEST:
                    manifest = json.load(handle)
                    continue
                found[member.name] = _hashed_copy(iter(lambda h=handle: h.read(CHUNK), b""), _Discard())
    except (tarfile.TarError, EOFError, OSError, ValueError) as error:
        raise RestoreRefused(f"the archive is incomplete or damaged ({type(error).__name__}: {error})") from None
    if manifest is None:
        raise RestoreRefused("not a backup of this application (no manifest.json)")
    if manifest.get("format") not in (1, FORMAT):
        raise RestoreRefused(f"unknown backup format {manifest.get('format')!r}")
    return manifest, found


def _check_members(manifest, found):
    uploads = sorted(name for name in found if name.startswith(UPLOADS + "/"))
    dump = DUMPS.get(manifest.get("database"))
    if dump not in found:
        raise RestoreRefused(f"the archive holds no {dump}")
    if manifest["format"] == 1:  # older backups list no checksums: the count must match at least
        if len(uploads) != manifest.get("files"):
            raise RestoreRefused(f"the archive holds {len(uploads)} files, its manifest {manifest.get('files')}")
        return uploads
    listed = manifest.get("members", {})
    missing = sorted(set(listed) - set(found))
    extra = sorted(set(found) - set(listed))
    changed = sorted(name for name in set(listed) & set(found) if listed[name] != found[name])
    for problem, names in (("missing from the archive", missing), ("not in its manifest", extra),
                           ("not matching the manifest's checksum", changed)):
        if names:
            raise RestoreRefused(f"{len(names)} member(s) {problem}: {', '.join(names[:5])}")
    return uploads


def _database_is_empty(url):
    """Whether the database answers and holds no table at all."""
    from models import db
    from services.core import database

    try:
        database.open_database(url)
        with db.connection_context():
            # SQLite's own tables (sqlite_stat1, written by ANALYZE at start) are not data.
            return not [name for name in db.get_tables() if not name.startswith("sqlite_")]
    except Exception as error:
        raise RestoreRefused(f"the database cannot be reached ({type(error).__name__}: {error})") from None


def _free(path):
    while not os.path.exists(path):
        path = os.path.dirname(path) or "."
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def _need(label, path, size):
    if size and _free(path) < size * SPACE_MARGIN:
        raise RestoreRefused(f"not enough space for {label}: {size * SPACE_MARGIN / 2**20:.0f} MB needed in "
                             f"{path}, {_free(path) / 2**20:.0f} MB free")


def plan(archive, database_url, store):
    """Every check of a restore, writing nothing. Returns the plan: what would be restored
    and what the checks found (lines for ``restore --dry-run``). Raises RestoreRefused."""
    manifest, found = _read_through(archive)
    uploads = _check_members(manifest, found)
    kind = _kind(database_url)
    if manifest["database"] != kind:
        raise RestoreRefused(f"the backup holds a {manifest['database']} database; DATABASE_URL is {kind}")
    if kind == "postgresql":
        _pg_tool("pg_restore")
    if not _database_is_empty(database_url):
        raise RestoreRefused("the database is not empty: restore only into a new, empty database")
    dump = DUMPS[kind]
    _need("the database dump", tempfile.gettempdir(), found[dump]["size"])
    if kind == "sqlite":
        _need("the SQLite database", os.path.dirname(os.path.abspath(_sqlite_path(database_url))), found[dump]["size"])
    bucket = store.bucket_state(patient=True)
    if bucket not in (EXISTS, MISSING):
        raise RestoreRefused(f"the file store cannot be used ({bucket}): check S3_ENDPOINT_URL, S3_BUCKET and "
                             "the access keys")
    file_bytes = sum(found[name]["size"] for name in uploads)
    if store.free_bytes() is not None and store.free_bytes() < file_bytes * SPACE_MARGIN:
        raise RestoreRefused(f"not enough space for the files: {file_bytes / 2**20:.0f} MB")
    return {
        "manifest": manifest, "uploads": uploads, "bucket": bucket,
        "lines": [
            f"archive complete: {len(found)} member(s), "
            + ("every checksum matches its manifest" if manifest["format"] == FORMAT else "older format: file count "
               "matches (no checksums)"),
            f"database: {kind}, empty; schema version {manifest['schema_version']} to restore",
            f"file store: {len(uploads)} file(s), {file_bytes / 2**20:.1f} MB; "
            + ("bucket exists" if bucket == EXISTS else "bucket missing: it will be created"),
        ],
    }


# --- restore: the writes ------------------------------------------------------------------


def _ensure_bucket(store):
    try:
        store.ensure_bucket()
    except Exception as error:
        raise RestoreRefused(f"the bucket does not exist and cannot be created with these credentials "
                             f"({type(error).__name__}: {error}); nothing was written") from None


@contextlib.contextmanager
def _members(archive):
    with tarfile.open(archive, "r|gz") as tar:
        yield ((member, tar.extractfile(member)) for member in tar if member.isfile())


def _write_files_and_dump(archive, store, uploads, dump_name, work):
    """Second read: each stored file into the store (checked again as it goes), the dump into ``work``."""
    wanted, written = set(uploads), 0
    dump_path = os.path.join(work, dump_name)
    with _members(archive) as members:
        for member, handle in members:
            if member.name in wanted:
                name = member.name.split("/", 1)[1]
                store.write(name, iter(lambda h=handle: h.read(CHUNK), b""))
                written += 1
            elif member.name == dump_name:
                with open(dump_path, "wb") as out:
                    shutil.copyfileobj(handle, out, CHUNK)
    return written, dump_path


def _restore_database(kind, dump_path, url):
    """All or nothing: a copy moved into place, or one transaction."""
    if kind == "sqlite":
        target = os.path.abspath(_sqlite_path(url))
        staging = target + ".restoring"
        _sqlite_copy(dump_path, staging)
        for suffix in ("-wal", "-shm"):  # an empty database's journal files would not match the copy
            with contextlib.suppress(FileNotFoundError):
                os.remove(target + suffix)
        os.replace(staging, target)
    else:
        subprocess.run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                        "--single-transaction", "-d", _pg_url(url), dump_path], check=True)


def restore(archive, database_url, store):
    """Restore ``archive`` into an empty database and ``store``; returns a summary."""
    checked = plan(archive, database_url, store)
    manifest = checked["manifest"]
    kind = manifest["database"]
    if checked["bucket"] == MISSING:
        _ensure_bucket(store)
    with tempfile.TemporaryDirectory() as work:
        try:
            written, dump_path = _write_files_and_dump(archive, store, checked["uploads"], DUMPS[kind], work)
            from models import db

            if not db.is_closed():
                db.close()
            _restore_database(kind, dump_path, database_url)
        except Exception as error:
            raise RestoreInterrupted(
                f"{type(error).__name__}: {error}. The database was left empty; once the cause is fixed, run the "
                "same restore again (files written so far are written again)") from error
    return f"{kind} schema version {manifest['schema_version']}, {written} file(s)"

