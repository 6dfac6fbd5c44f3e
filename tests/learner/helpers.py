"""Shared helpers of the learner tests: files to upload and a learner with a teaching point."""
import io

from tests import factories


def png_bytes():
    return factories.png_bytes()


def png(name="certificate.png"):
    return (io.BytesIO(png_bytes()), name)


def exe_as_jpg():
    return (io.BytesIO(b"MZ\x90\x00" + b"\0" * 2000), "photo.jpg")


def big_jpg(mb=11):
    return (io.BytesIO(b"\xff\xd8\xff\xe0" + b"\0" * (mb * 1024 * 1024)), "big.jpg")


def learner_with_point(**fields):
    fields.setdefault("teaching_point", factories.make_teaching_point())
    return factories.make_learner(**fields)
