"""The whole app on an S3-compatible store (SeaweedFS), as several hosts share files:
evidence uploaded by a learner lands in the bucket, never on the web host's disk, is
served to its owner only, is swept when orphaned, and survives a backup and restore."""
import os

import pytest

from models import Attachment, LearnerAchievement, db
from services.files import filestore
from tests import factories
from tests.conftest import _app_for_test, make_app
from tests.learner.helpers import learner_with_point, png, png_bytes

pytestmark = pytest.mark.usefixtures("reference")


@pytest.fixture
def app(database_url, tmp_path, s3_config):
    yield from _app_for_test(database_url, tmp_path, **s3_config)


@pytest.fixture
def bucket(app):
    store = filestore.current()
    store.ensure_bucket()
    return store


def disk_files(app):
    return [name for _folder, _dirs, names in os.walk(app.config["UPLOAD_DIR"]) for name in names]


def upload_evidence(client):
    catalogue_achievement = factories.make_catalogue(name="全国计算机等级考试一级证书")
    response = client.post(
        f"/me/achievements/new?category={catalogue_achievement.category_id}",
        data={"catalogue_id": str(catalogue_achievement.id), "f_certificate_no": "No.1", "f_obtained_on": "2021-06-30",
              "evidence": [png()]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    achievement = LearnerAchievement.get(LearnerAchievement.learner == client.user)
    return Attachment.of("learner_achievement", achievement.id).get()


def test_evidence_goes_to_the_bucket_and_only_its_owner_reads_it(app, bucket, client_as):
    owner = client_as(learner_with_point())
    attachment = upload_evidence(owner)
    assert attachment.stored_name in dict(bucket.listing())
    assert disk_files(app) == []  # nothing on this host's disk: another host can serve it
    response = owner.get(f"/files/{attachment.id}")
    assert response.status_code == 200 and response.get_data() == png_bytes()
    stranger = client_as(learner_with_point())
    assert stranger.get(f"/files/{attachment.id}").status_code == 404


def test_sweep_removes_orphans_from_the_bucket(app, bucket, client_as):
    attachment = upload_evidence(client_as(learner_with_point()))
    orphan = "ab" + "0" * 30 + ".pdf"
    bucket.write(orphan, iter([b"%PDF-1.4 orphan"]))
    result = app.test_cli_runner().invoke(args=["sweep-uploads", "--min-age", "600"])
    assert result.exit_code == 0 and "removed 0 orphan" in result.output  # both younger than 10 minutes
    from services.files import storage

    assert storage.sweep_orphans(min_age_seconds=600) == []
    names = dict(bucket.listing())
    assert orphan in names and attachment.stored_name in names
    # Pretend ten minutes have passed for both files; only the orphan goes.
    import time

    real_time = time.time
    try:
        time.time = lambda: real_time() + 3600
        assert storage.sweep_orphans(min_age_seconds=600) == [orphan]
    finally:
        time.time = real_time
    names = dict(bucket.listing())
    assert orphan not in names and attachment.stored_name in names


def test_backup_and_restore_through_the_bucket(app, bucket, client_as, database_url, tmp_path, s3_config):
    from tests.foundation.test_operations import _counts, _empty_database

    attachment = upload_evidence(client_as(learner_with_point()))
    archive = str(tmp_path / "backup.tar.gz")
    result = app.test_cli_runner().invoke(args=["backup", archive])
    assert result.exit_code == 0 and "1 file(s)" in result.output, result.output
    before = _counts()

    restored_bucket = {**s3_config, "S3_PREFIX": "restored-" + s3_config["S3_PREFIX"]}
    target = make_app(_empty_database(database_url, tmp_path, "s3restore"), str(tmp_path / "u2"), **restored_bucket)
    with target.app_context():
        assert list(filestore.current().listing()) == []  # an empty corner of the bucket
        result = target.test_cli_runner().invoke(args=["restore", archive])
        assert result.exit_code == 0, result.output
        assert _counts() == before
        handle = filestore.current().open(attachment.stored_name)
        assert handle.read() == png_bytes()
        handle.close()
    db.close()
