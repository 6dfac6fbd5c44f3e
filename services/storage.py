"""Stored files: uploads are checked by content and size, stored
under generated names with their sha256, and recorded as ``Attachment`` rows. The bytes go to the configured store
(``services/filestore.py``: ``UPLOAD_DIR`` on the local disk, or an S3 bucket).

A file is written before its row, often inside a transaction that may still roll back.
Files whose row did not survive are removed at the end of the request that wrote them
(``discard_uncommitted``); ``sweep_orphans`` (``flask sweep-uploads``) removes those a
crashed process or a command left behind."""
import os
import re
import time
import unicodedata
import uuid
from urllib.parse import quote

from flask import current_app, g
from flask_babel import lazy_gettext as _l

from models import Attachment
from services import filestore

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


MAX_NAME = 255
# Control characters (NUL, CR/LF, tabs, C1), format characters (bidi overrides and
# isolates, zero-width marks), line and paragraph separators, lone surrogates.
_INVISIBLE = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def clean_name(name, fallback="file"):
    """A file name as people see it and headers can carry it: the last part of any path
    (``/`` or ``\\``), without invisible or control characters (a bidi override could make
    ``cod.exe`` read ``exe.doc``), spaces collapsed, at most 255 characters with the
    extension kept. Never empty."""
    name = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(" " if ch.isspace() else ch for ch in name if unicodedata.category(ch) not in _INVISIBLE)
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_NAME:
        _stem, dot, extension = name.rpartition(".")
        keep = f".{extension}" if dot and 0 < len(extension) <= 10 else ""
        name = name[: MAX_NAME - len(keep)].rstrip(" .") + keep
    return name or fallback


def _ascii(text):
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r'["\\;%]', "_", text).strip()


def content_disposition(name, as_attachment=False):
    """RFC 6266: ``filename*`` (UTF-8, percent-encoded) for every reader that knows it, and
    a plain ASCII ``filename`` for the rest."""
    stem, dot, extension = name.rpartition(".") if "." in name else (name, "", "")
    ascii_name = (_ascii(stem) or "file") + (f".{_ascii(extension)}" if dot and _ascii(extension) else "")
    kind = "attachment" if as_attachment else "inline"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def sniff(head):
    for mime, signatures in SIGNATURES.items():
        if head.startswith(signatures):
            return mime
    return None


def _write(data_chunks, extension):
    stored_name = f"{uuid.uuid4().hex}.{extension}"
    # Recorded before writing: a write that fails half-way is cleaned up too.
    g.setdefault("stored_files", []).append(stored_name)
    size, sha = filestore.current().write(stored_name, data_chunks)
    return stored_name, size, sha


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
    store = filestore.current()
    for name in names:
        store.delete(name)


def discard_uncommitted():
    """Remove the files this request wrote whose Attachment row does not exist now: its
    transaction rolled back, or the row was never created. Never raises: it runs while
    the request is torn down, and ``sweep_orphans`` catches whatever it leaves."""
    names = set(g.pop("stored_files", ()))
    if not names:
        return
    try:
        _remove(names - _recorded(names))
    except Exception:  # database, disk or object-store errors alike: the sweep catches up
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
    candidates = [
        name for name, modified in filestore.current().listing() if STORED_NAME.match(name) and modified < cutoff
    ]
    if candidates and not Attachment.select().exists():
        raise SweepRefused("the database records no attachment at all; is DATABASE_URL the right one?")
    orphans = sorted(set(candidates) - _recorded(candidates))
    if not dry_run:
        _remove(orphans)
    return orphans


def check_upload(file, allowed=EVIDENCE_TYPES, max_mb=10):
    """The content type of a werkzeug ``FileStorage`` that passes the checks (the stream is
    left at its start); raise UploadError with a clear message. Forms validate with it."""
    if file is None or not file.filename:
        raise UploadError(_l("Please choose a file"))
    stream = file.stream
    stream.seek(0)
    mime = sniff(stream.read(16))
    if mime not in allowed:
        names = ", ".join(EXTENSIONS[m] for m in sorted(allowed))
        raise UploadError(_l("%(name)s: only %(types)s files are accepted", name=clean_name(file.filename), types=names))
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size > max_mb * MB:
        raise UploadError(_l("%(name)s is larger than %(mb)s MB", name=clean_name(file.filename), mb=max_mb))
    return mime


def save_upload(file, owner_type, owner_id=None, purpose="evidence", user=None, allowed=EVIDENCE_TYPES, max_mb=10):
    """Check and store a werkzeug ``FileStorage``; raise UploadError with a clear message.
    Images are stored re-encoded and PDFs only once parsed (``checked_content``)."""
    mime = check_upload(file, allowed, max_mb)
    content = checked_content(file.stream, mime, file.filename)
    stored_name, size, sha = _write(iter(lambda: content.read(64 * 1024), b""), EXTENSIONS[mime])
    return Attachment.create(
        owner_type=owner_type,
        owner_id=owner_id,
        purpose=purpose,
        original_name=clean_name(file.filename),
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
        raise UploadError(_l("%(name)s: %(reason)s", name=clean_name(filename), reason=refused.reason)) from None


def save_file(path, original_name, owner_type, owner_id=None, purpose="result", mime=XLSX_MIME, user=None):
    """Store a file the application generated (e.g. an import result workbook)."""
    extension = original_name.rsplit(".", 1)[-1]
    with open(path, "rb") as source:
        stored_name, size, sha = _write(iter(lambda: source.read(64 * 1024), b""), extension)
    return Attachment.create(
        owner_type=owner_type,
        owner_id=owner_id,
        purpose=purpose,
        original_name=clean_name(original_name),
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


def open_stored(attachment):
    """A binary file object of a stored file (close it after use)."""
    return filestore.current().open(attachment.stored_name)


def send(attachment, as_attachment=False):
    """Serve a stored file; callers check access first (services.permissions). A file
    missing from the store (a restore without the files) is "not found", not a crash. The
    name is cleaned again: rows stored before names were cleaned may hold anything."""
    name = clean_name(attachment.original_name, fallback=f"file.{EXTENSIONS.get(attachment.mime, 'bin')}")
    response = filestore.current().response(attachment.stored_name, attachment.mime, name, as_attachment)
    response.headers["Content-Disposition"] = content_disposition(name, as_attachment)
    return response
