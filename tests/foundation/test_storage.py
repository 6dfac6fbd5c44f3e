"""Stored files without an Attachment row are swept (``flask sweep-uploads``)."""
import os
import time

from flask import g
from peewee import InterfaceError

from models import Attachment
from services.files import storage


def put(app, name, age_seconds, recorded):
    path = os.path.join(app.config["UPLOAD_DIR"], name[:2], name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as out:
        out.write(b"%PDF-1.4")
    stamp = time.time() - age_seconds
    os.utime(path, (stamp, stamp))
    if recorded:
        Attachment.create(owner_type="feedback", purpose="evidence", original_name="a.pdf", stored_name=name,
                          size=8, mime="application/pdf", sha256="0" * 64)
    return path


def test_sweep_removes_old_orphans_only(app):
    orphan = put(app, "a" * 32 + ".pdf", 7200, recorded=False)
    recorded = put(app, "b" * 32 + ".pdf", 7200, recorded=True)
    young = put(app, "c" * 32 + ".pdf", 900, recorded=False)
    foreign = put(app, "README.txt", 7200, recorded=False)  # not a name storage makes
    listed = app.test_cli_runner().invoke(args=["sweep-uploads", "--dry-run"])
    assert listed.exit_code == 0 and "a" * 32 + ".pdf" in listed.output and "would remove 1 orphan" in listed.output
    assert os.path.exists(orphan)
    result = app.test_cli_runner().invoke(args=["sweep-uploads"])
    assert result.exit_code == 0 and "removed 1 orphan file(s)" in result.output
    assert not os.path.exists(orphan)
    assert all(os.path.exists(p) for p in (recorded, young, foreign))
    assert storage.sweep_orphans(min_age_seconds=600) == ["c" * 32 + ".pdf"]
    assert os.path.exists(recorded)


def test_sweep_refuses_what_looks_like_a_mistake(app):
    """Files too young for their transaction to be over, and a database that records no
    attachment at all next to stored files (a wrong DATABASE_URL), are not swept."""
    orphan = put(app, "a" * 32 + ".pdf", 7200, recorded=False)
    runner = app.test_cli_runner()
    too_young = runner.invoke(args=["sweep-uploads", "--min-age", "0"])
    assert too_young.exit_code != 0 and "at least 600" in too_young.output
    empty_database = runner.invoke(args=["sweep-uploads"])
    assert empty_database.exit_code != 0 and "no attachment at all" in empty_database.output
    assert os.path.exists(orphan)


def test_cleanup_at_request_end_never_raises(app, monkeypatch):
    """When the database cannot answer at teardown the files stay for the sweep, and the
    request still ends normally."""
    path = put(app, "d" * 32 + ".pdf", 0, recorded=False)

    def broken(_names):
        raise InterfaceError("connection lost")

    monkeypatch.setattr(storage, "_recorded", broken)
    with app.test_request_context():
        g.stored_files = ["d" * 32 + ".pdf"]
        storage.discard_uncommitted()
    assert os.path.exists(path)
