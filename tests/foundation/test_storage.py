"""Stored files without an Attachment row are swept (``flask sweep-uploads``)."""
import os
import time

from models import Attachment
from services import storage


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
    young = put(app, "c" * 32 + ".pdf", 60, recorded=False)
    foreign = put(app, "README.txt", 7200, recorded=False)  # not a name storage makes
    result = app.test_cli_runner().invoke(args=["sweep-uploads"])
    assert result.exit_code == 0 and "removed 1 orphan file(s)" in result.output
    assert not os.path.exists(orphan)
    assert all(os.path.exists(p) for p in (recorded, young, foreign))
    assert storage.sweep_orphans(min_age_seconds=0) == ["c" * 32 + ".pdf"]
    assert os.path.exists(recorded)
