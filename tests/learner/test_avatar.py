"""修改头像 (seed 004 个人资料, and the learner's 我的信息): the picture is re-encoded from its
pixels (nothing riding in the file survives), turned upright, cropped square and sized
256 × 256; only its owner reads it; a file that is not an image is refused with a reason."""
import io

import pytest
from PIL import Image

from models import Attachment, AuditLog
from services.files import avatars
from tests import factories


def photo(size=(800, 400), fmt="JPEG", orientation=None):
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    extra = {}
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        extra["exif"] = exif.tobytes()
    image.save(out, fmt, **extra)
    out.seek(0)
    return out


def upload(client, data, name="me.jpg", back="/me/"):
    return client.post("/avatar", data={"picture": (data, name), "next": back}, content_type="multipart/form-data")


@pytest.mark.parametrize("role, back", [("learner", "/me/"), ("institution", "/admin/inst_profile/")])
def test_a_picture_is_reencoded_cropped_and_sized(client_as, role, back):
    client = client_as(role)
    raw = photo(orientation=6).getvalue() + b"<script>alert(1)</script>"  # a polyglot's tail
    response = upload(client, io.BytesIO(raw), back=back)
    assert response.status_code == 302 and response.location.endswith(back)
    row = Attachment.get(Attachment.owner_type == "avatar", Attachment.owner_id == client.user.id)
    served = client.get("/avatar")
    assert served.status_code == 200 and served.mimetype == "image/png"
    image = Image.open(io.BytesIO(served.data))
    assert image.size == (256, 256) and b"<script>" not in served.data and not image.getexif()
    assert row.size == len(served.data)
    entry = AuditLog.get(AuditLog.action == "avatar_changed")
    assert (entry.object_type, entry.object_id) == ("User", client.user.id)  # the user, not current_user's proxy
    page = client.get(back).get_data(as_text=True)
    assert 'src="/avatar"' in page


def test_a_new_picture_replaces_the_old_one(client_as):
    client = client_as("learner")
    upload(client, photo())
    upload(client, photo(size=(300, 600), fmt="PNG"), name="me.png")
    assert Attachment.select().where(Attachment.owner_type == "avatar").count() == 1


def test_only_the_owner_reads_a_picture(client_as):
    owner = client_as("learner")
    upload(owner, photo())
    row = avatars.current(owner.user)
    other = client_as(factories.make_learner(username="other01"))
    assert other.get(f"/files/{row.id}").status_code in (403, 404)
    silhouette = other.get("/avatar")  # the other one has none: the silhouette
    assert silhouette.status_code == 302 and silhouette.location.endswith("/static/icons/avatar.svg")
    assert owner.get(f"/files/{row.id}").status_code == 200


def test_a_file_that_is_not_an_image_is_refused_with_a_reason(client_as):
    client = client_as("learner")
    page = upload(client, io.BytesIO(factories.pdf_bytes()), name="me.pdf")
    follow = client.get(page.location).get_data(as_text=True)
    assert "头像未修改" in follow
    assert not Attachment.select().where(Attachment.owner_type == "avatar").exists()
