"""File storage under ``UPLOAD_DIR``: uploads are checked by content and size, stored
under generated names with their sha256, and recorded as ``Attachment`` rows.

A file is written before its row, often inside a transaction that may still roll back.
Files whose row did not survive are removed at the end of the request that wrote them
(``discard_uncommitted``); ``sweep_orphans`` (``flask sweep-uploads``) removes those a
crashed process or a command left behind."""
import hashlib
import os
import re
import time
import uuid

from flask import abort, current_app, g, send_file
from flask_babel import lazy_gettext as _l
from peewee import PeeweeException

from models import Attachment

MB = 1024 * 1024
# Magic numbers of the formats SPEC §13 allows.
SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "application/pdf": "pdf"}
EVIDENCE_TYPES = frozenset(SIGNATURES)
PDF_ONLY = frozenset({"application/pdf"})
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z0-9]{1,10}$")
LOOKUP_CHUNK = 500


class UploadError(ValueError):
    pass


def sniff(head):
    for mime, signatures in SIGNATURES.items():
        if head.startswith(signatures):
            return mime
    return None


def _path(stored_name):
    return os.path.join(current_app.config["UPLOAD_DIR"], stored_name[:2], stored_name)


def _write(data_chunks, extension):
    stored_name = f"{uuid.uuid4().hex}.{extension}"
    path = _path(stored_name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with open(path, "wb") as out:
        for chunk in data_chunks:
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    g.setdefault("stored_files", []).append(stored_name)
    return stored_name, size, digest.hexdigest()


def _recorded(names):
    """The subset of ``names`` that have an Attachment row."""
    names, found = list(names), set()
    for start in range(0, len(names), LOOKUP_CHUNK):
        query = Attachment.select(Attachment.stored_name).where(
            Attachment.stored_name.in_(names[start : start + LOOKUP_CHUNK])
        )
        found.update(name for (name,) in query.tuples())
    return found


def _remove(names):
    for name in names:
        try:
            os.remove(_path(name))
        except FileNotFoundError:
            pass


def discard_uncommitted():
    """Remove the files this request wrote whose Attachment row does not exist now: its
    transaction rolled back, or the row was never created. Never raises: it runs while
    the request is torn down, and ``sweep_orphans`` catches whatever it leaves."""
    names = set(g.pop("stored_files", ()))
    if not names:
        return
    try:
        _remove(names - _recorded(names))
    except (PeeweeException, OSError):
        current_app.logger.warning("uncommitted uploads left for sweep-uploads: %s", sorted(names), exc_info=True)


# A sweep never touches files younger than this: their transaction may still be running.
MIN_SWEEP_AGE = 600


class SweepRefused(RuntimeError):
    pass


def sweep_orphans(min_age_seconds=3600, dry_run=False):
    """Remove (or with ``dry_run`` only list) stored files without an Attachment row that
    are older than ``min_age_seconds``. Returns the names concerned. Refuses when no
    attachment is recorded at all while files exist: that is a wrong database, not orphans."""
    if min_age_seconds < MIN_SWEEP_AGE:
        raise SweepRefused(f"--min-age must be at least {MIN_SWEEP_AGE} seconds")
    cutoff = time.time() - min_age_seconds
    candidates = []
    for folder, _dirs, files in os.walk(current_app.config["UPLOAD_DIR"]):
        for name in files:
            if STORED_NAME.match(name) and os.path.getmtime(os.path.join(folder, name)) < cutoff:
                candidates.append(name)
    if candidates and not Attachment.select().exists():
        raise SweepRefused("the database records no attachment at all; is DATABASE_URL the right one?")
    orphans = sorted(set(candidates) - _recorded(candidates))
    if not dry_run:
        _remove(orphans)
    return orphans


def save_upload(file, owner_type, owner_id=None, purpose="evidence", user=None, allowed=EVIDENCE_TYPES, max_mb=10):
    """Check and store a werkzeug ``FileStorage``; raise UploadError with a clear message."""
    if file is None or not file.filename:
        raise UploadError(_l("Please choose a file"))
    stream = file.stream
    head = stream.read(16)
    mime = sniff(head)
    if mime not in allowed:
        names = ", ".join(EXTENSIONS[m] for m in sorted(allowed))
        raise UploadError(_l("%(name)s: only %(types)s files are accepted", name=file.filename, types=names))
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    if size > max_mb * MB:
        raise UploadError(_l("%(name)s is larger than %(mb)s MB", name=file.filename, mb=max_mb))
    stream.seek(0)
    content = checked_content(stream, mime, file.filename)
    stored_name, size, sha = _write(iter(lambda: content.read(64 * 1024), b""), EXTENSIONS[mime])
    return Attachment.create(
        owner_type=owner_type,
        owner_id=owner_id,
        purpose=purpose,
        original_name=os.path.basename(file.filename)[:255],
        stored_name=stored_name,
        size=size,
        mime=mime,
        sha256=sha,
        uploaded_by=user,
    )


def checked_content(stream, mime, filename):
    """The bytes to store for an upload whose magic number said ``mime``: images decoded
    and encoded again (nothing that rode behind or inside them survives: an HTML or script
    polyglot, metadata), PDFs parsed and refused when they are not PDFs or carry
    JavaScript. Raises UploadError."""
    from services import file_checks

    try:
        if mime == "application/pdf":
            file_checks.check_pdf(stream)
            stream.seek(0)
            return stream
        return file_checks.reencode_image(stream, mime)
    except file_checks.Refused as refused:
        raise UploadError(_l("%(name)s: %(reason)s", name=filename, reason=refused.reason)) from None


def save_file(path, original_name, owner_type, owner_id=None, purpose="result", mime=XLSX_MIME, user=None):
    """Store a file the application generated (e.g. an import result workbook)."""
    extension = original_name.rsplit(".", 1)[-1]
    with open(path, "rb") as source:
        stored_name, size, sha = _write(iter(lambda: source.read(64 * 1024), b""), extension)
    return Attachment.create(
        owner_type=owner_type,
        owner_id=owner_id,
        purpose=purpose,
        original_name=original_name,
        stored_name=stored_name,
        size=size,
        mime=mime,
        sha256=sha,
        uploaded_by=user,
    )


def attach(attachments, owner_id):
    """Point attachments saved before their owner existed at the new owner."""
    ids = [a.id for a in attachments]
    if ids:
        Attachment.update(owner_id=owner_id).where(Attachment.id.in_(ids)).execute()


def send(attachment, as_attachment=False):
    """Serve a stored file; callers check access first (services.permissions). A file
    missing on disk (a restore without the uploads) is "not found", not a crash."""
    if not os.path.exists(_path(attachment.stored_name)):
        abort(404)
    return send_file(
        _path(attachment.stored_name),
        mimetype=attachment.mime,
        as_attachment=as_attachment,
        download_name=attachment.original_name,
    )
