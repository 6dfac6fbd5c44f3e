"""The two file stores keep one contract: write, open, list, serve, delete."""
import hashlib
import os

import pytest

from services import filestore

NAME = "0f" + "1" * 30 + ".pdf"
BODY = b"%PDF-1.4\n" + os.urandom(200_000)  # several chunks


@pytest.fixture(params=["local", "s3"])
def store(request, app):
    if request.param == "local":
        return filestore.LocalStore(app.config["UPLOAD_DIR"])
    config = request.getfixturevalue("s3_config")
    store = filestore.S3Store.from_config(config)
    store.ensure_bucket()
    return store


def chunks(body, size=64 * 1024):
    return (body[i : i + size] for i in range(0, len(body), size))


def test_write_open_list_delete(store):
    size, sha = store.write(NAME, chunks(BODY))
    assert (size, sha) == (len(BODY), hashlib.sha256(BODY).hexdigest())
    handle = store.open(NAME)
    try:
        assert handle.read() == BODY
    finally:
        handle.close()
    listed = dict(store.listing())
    assert NAME in listed and listed[NAME] > 0
    store.delete(NAME)
    store.delete(NAME)  # deleting twice is not an error: cleanup paths may race
    assert NAME not in dict(store.listing())


def test_response_serves_the_bytes_with_type_and_name(store, app):
    store.write(NAME, chunks(BODY))
    with app.test_request_context():
        response = store.response(NAME, "application/pdf", "证明.pdf", as_attachment=True)
        response.direct_passthrough = False
        assert response.get_data() == BODY
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.content_length == len(BODY)


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="STORAGE_BACKEND"):
        filestore.for_config({"STORAGE_BACKEND": "ftp"})
