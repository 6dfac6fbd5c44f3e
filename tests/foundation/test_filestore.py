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


# --- files go through the store, never through paths -------------------------------------

# The upload folder is named in the settings, created by the factory and used by the local
# store; every other module reads and writes files through services.storage/filestore.
UPLOAD_DIR_HOMES = {"services/filestore.py", "app/config.py", "app/factory.py"}


def upload_dir_uses(source):
    """Lines of ``source`` that name the upload folder (``UPLOAD_DIR``) outside a docstring."""
    import ast

    return sorted(node.lineno for node in ast.walk(ast.parse(source))
                  if isinstance(node, ast.Constant) and node.value == "UPLOAD_DIR"
                  or isinstance(node, ast.Name) and node.id == "UPLOAD_DIR")


def test_only_the_store_names_the_upload_folder():
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2]
    users = {str(path.relative_to(root)) for folder in ("app", "admin", "migrations", "models", "services", "views")
             for path in (root / folder).rglob("*.py") if upload_dir_uses(path.read_text("utf-8"))}
    assert users == UPLOAD_DIR_HOMES


def test_a_planted_path_into_the_upload_folder_is_reported():
    """Test of the test."""
    planted = ('"""Mentions UPLOAD_DIR in words only."""\nimport os\n\n\n'
               'def read(name):\n    return open(os.path.join(current_app.config["UPLOAD_DIR"], name)).read()\n')
    assert upload_dir_uses(planted) == [6]
