"""Uploaded file names: stored without control or invisible characters and without any
path, at most 255 characters, and offered back with an RFC 6266 ``filename*``."""
import io
from urllib.parse import unquote

import pytest
from werkzeug.datastructures import FileStorage

from models import Attachment
from services import storage
from tests import factories

ODD_NAMES = [
    ("证明\x00.pdf", "证明.pdf"),                          # NUL
    ("a\r\nSet-Cookie: x=1.pdf", "aSet-Cookie: x=1.pdf"),  # CR/LF: a second header
    ("invoice\u202efdp.exe.pdf", "invoicefdp.exe.pdf"),    # right-to-left override
    ("\u2066成绩单\u2069\u200b.pdf", "成绩单.pdf"),          # isolates, zero width space
    ("../../etc/passwd.pdf", "passwd.pdf"),                # path separators
    ("C:\\Users\\张三\\成绩单.pdf", "成绩单.pdf"),
    ("长" * 300 + ".pdf", "长" * 251 + ".pdf"),             # 300 characters
    ("\x00\u202e", "file"),                                # nothing left
]


def disposition_name(response):
    header = response.headers["Content-Disposition"]
    assert "\r" not in header and "\n" not in header and "\x00" not in header
    encoded = header.split("filename*=UTF-8''")[1]
    plain = header.split('filename="')[1].split('"')[0]
    assert plain.isascii() and plain
    return unquote(encoded)


@pytest.mark.parametrize("odd, stored", ODD_NAMES)
def test_an_odd_name_is_stored_clean_and_served_to_its_owner(app, client_as, reference, odd, stored):
    owner = factories.make_learner()
    achievement = factories.make_achievement(owner)
    attachment = storage.save_upload(FileStorage(io.BytesIO(factories.pdf_bytes()), filename=odd),
                                     "learner_achievement", achievement.id)
    assert Attachment.get_by_id(attachment.id).original_name == stored
    client = client_as(owner)
    for url in (f"/files/{attachment.id}", f"/files/{attachment.id}?download=1"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert disposition_name(response) == stored
    assert client.get(f"/files/{attachment.id}?download=1").headers["Content-Disposition"].startswith("attachment;")


def test_a_name_stored_before_cleaning_is_served_clean(app, client_as, reference):
    owner = factories.make_learner()
    achievement = factories.make_achievement(owner)
    attachment = storage.save_upload(FileStorage(io.BytesIO(factories.pdf_bytes()), filename="a.pdf"),
                                     "learner_achievement", achievement.id)
    # PostgreSQL stores no NUL at all; CR/LF and overrides are what an old row can hold.
    Attachment.update(original_name="old\r\nname\u202e.pdf").where(Attachment.id == attachment.id).execute()
    response = client_as(owner).get(f"/files/{attachment.id}")
    assert response.status_code == 200 and disposition_name(response) == "oldname.pdf"


def test_refusals_name_the_file_cleanly(app):
    with pytest.raises(storage.UploadError) as refused:
        storage.save_upload(FileStorage(io.BytesIO(b"MZ\x90\x00"), filename="evil\u202egpj.exe"), "learner_achievement")
    assert "\u202e" not in str(refused.value) and "evilgpj.exe" in str(refused.value)
