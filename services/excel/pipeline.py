"""The import pipeline: parse, refuse duplicates inside the file and clashes with the
database, then in ONE transaction store the batch record, the accepted rows and the two
result workbooks, with the audit entry.

Nothing is half-written: a file refused as a whole raises ``ImportFileError`` before the
transaction starts; any failure inside it (the insert, the result workbooks, the file
store) rolls every row and the batch back. Result files already put in the file store by
a rolled-back import are referenced by no row, and housekeeping sweeps them.
"""
import contextlib
import gc
import operator
import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

from flask_babel import gettext as _

from models import ImportBatch, db
from services import audit, database, permissions, storage
from services.excel.columns import refuse
from services.excel.kinds import ImportContext
from services.excel.reading import parse_rows, read_rows
from services.excel.writing import neutralise, write_rows

REASON_HEADER = "失败原因"


def refuse_duplicates(rows, kind, columns):
    by_key = {c.key: c for c in columns}
    for key in kind.keys:
        parts = key if isinstance(key, tuple) else (key,)
        pick = operator.itemgetter(*parts) if len(parts) > 1 else (lambda values, p=parts[0]: (values[p],))
        seen = {}
        for row in rows:
            if row.errors:
                continue
            value = pick(row.values)
            if None in value:
                continue
            first = seen.setdefault(value, row.number)
            if first != row.number:
                refuse(row, by_key[parts[-1]], _("duplicates row %(row)s of this file", row=first))


# --- the pipeline --------------------------------------------------------------------


def institution_of(user):
    return permissions.institution_of(user)


def run_import(kind, path, filename, user, target=None, progress=None, before_commit=None):
    """Parse, validate and store one uploaded file; returns the ImportBatch. Raises
    ImportFileError (nothing changed) when the file as a whole is refused. ``progress``,
    when given, is told each stage as ``progress(stage, done, total)``; ``before_commit(batch)``
    runs last inside the import's transaction (a job records its end there, and an
    exception from it rolls the import back)."""
    with paused_gc():
        batch = _run_import(kind, path, filename, user, target, progress or _no_progress, before_commit)
    database.analyse()  # thousands of new rows: the planner's statistics are stale
    return batch


def _no_progress(stage, done, total):
    pass


_gc_pauses = 0
_gc_was_enabled = True
_gc_lock = threading.Lock()


@contextlib.contextmanager
def paused_gc():
    """The cyclic garbage collector paused: an import allocates hundreds of thousands of
    rows, cells and dicts (none in reference cycles), and the collections they would
    trigger, each walking every live object, cost as much as the parsing itself. The
    switch is process-wide, so concurrent imports in threads count their pauses and the
    last one out turns it back on (if it was on when the first came in).

    Kept although it is process-wide, for that cost (``make bench`` measures it). While
    it lasts, other requests of the same worker only lose the collection of reference
    cycles (reference counting still frees everything else), and the ``finally`` turns
    it back on however the import ends."""
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def _run_import(kind, path, filename, user, target, progress, before_commit=None):
    columns = list(kind.columns(target))
    progress("reading", 0, None)
    rows = parse_rows(read_rows(path), columns)
    progress("validating", len(rows), len(rows))
    refuse_duplicates(rows, kind, columns)
    ctx = ImportContext(user=user, institution_id=institution_of(user), target=target)
    candidates = [r for r in rows if not r.errors]
    kind.check_existing(ctx, candidates)
    accepted = [r for r in candidates if not r.errors]
    rejected = [r for r in rows if r.errors]
    progress("writing", 0, len(accepted))

    stem = os.path.splitext(os.path.basename(filename))[0][:100] or kind.label
    with tempfile.TemporaryDirectory() as tmp:
        accepted_path = os.path.join(tmp, "accepted.xlsx")
        rejected_path = os.path.join(tmp, "rejected.xlsx")
        headers = [c.header for c in columns]

        def write_results():
            # Cells are neutralised as in exports: what was typed as "=HYPERLINK(…)" comes
            # back as text, never as a formula the spreadsheet would run.
            write_rows(accepted_path, headers, ([*map(neutralise, r.texts)] for r in accepted), text_only=True)
            write_rows(
                rejected_path,
                headers + [REASON_HEADER],
                ([*map(neutralise, r.texts), "；".join(r.errors)] for r in rejected),
                text_only=True,
            )

        # The result workbooks are written while the rows go into the database: SQLite and
        # zlib release the GIL, so the two overlap on the second core. The writer thread
        # only writes files in ``tmp`` and never touches the database (peewee connections
        # are per thread: it would write outside this transaction). Whatever fails, the
        # transaction rolls back first, then the pool waits for the writer, then ``tmp`` goes.
        with ThreadPoolExecutor(max_workers=1) as writer, db.atomic():
            written = writer.submit(write_results)
            batch = ImportBatch.create(
                kind=kind.code,
                operator=user,
                institution=ctx.institution_id,
                target_id=getattr(target, "id", None),
                filename=os.path.basename(filename)[:255],
                accepted=len(accepted),
                rejected=len(rejected),
                created_at=ctx.when,
            )
            ctx.batch_id = batch.id
            kind.insert(ctx, accepted)
            written.result()  # a failed write raises here and rolls the import back
            batch.accepted_file = storage.save_file(
                accepted_path, f"{stem}-成功导入.xlsx", "import", batch.id, purpose="accepted", user=user
            )
            batch.rejected_file = storage.save_file(
                rejected_path, f"{stem}-未导入.xlsx", "import", batch.id, purpose="rejected", user=user
            )
            batch.save()
            audit.record("import", batch, user=user, kind=kind.code, accepted=len(accepted), rejected=len(rejected))
            if before_commit is not None:
                before_commit(batch)
    return batch
