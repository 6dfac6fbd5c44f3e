"""修改头像 (seed 004 个人资料): a person's picture, re-encoded from its pixels only, turned
the way the camera held it, cropped to a square and sized to 256 × 256 PNG. Stored like
every file (services/storage, an attachment owned by the user, purpose "avatar"); the
newest one is the picture, earlier ones are removed with their rows."""
import io
import os
import tempfile

from flask_babel import lazy_gettext as _l

from models import Attachment
from services import audit, file_checks, storage
from services.database import db

SIZE = 256
MAX_MB = 5
TYPES = frozenset({"image/jpeg", "image/png", "image/gif"})
OWNER = "avatar"


def picture(stream, mime):
    """The stored PNG bytes of an uploaded picture; raise storage.UploadError."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(stream) as image:
            if image.format != file_checks.FORMATS[mime]:
                raise storage.UploadError(_l("The file is not the image it claims to be."))
            if image.width * image.height > file_checks.MAX_PIXELS:
                raise storage.UploadError(_l("The image has too many pixels."))
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise storage.UploadError(_l("The image cannot be read.")) from None
    square = ImageOps.fit(upright, (SIZE, SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, "PNG", optimize=True)  # pixels only: no EXIF, comments or profiles
    return out.getvalue()


def current(user):
    return (Attachment.select().where(Attachment.owner_type == OWNER, Attachment.owner_id == user.id)
            .order_by(Attachment.id.desc()).first())


def change(user, upload):
    """Check, re-encode and store ``upload`` as ``user``'s picture; raise storage.UploadError."""
    mime = storage.check_upload(upload, TYPES, MAX_MB)
    data = picture(upload.stream, mime)
    handle, path = tempfile.mkstemp(suffix=".png")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        with db.atomic():
            earlier = list(Attachment.select().where(Attachment.owner_type == OWNER, Attachment.owner_id == user.id))
            row = storage.save_file(path, "avatar.png", OWNER, user.id, purpose=OWNER, mime="image/png", user=user)
            audit.record("avatar_changed", user, user=user)
            if earlier:
                Attachment.delete().where(Attachment.id.in_([a.id for a in earlier])).execute()
    finally:
        os.unlink(path)
    return row
