"""What an uploaded file really is (services.files.storage calls these): images are decoded and
encoded again with Pillow, PDFs are parsed with pypdf. A file that only starts with the
right magic number (a JPEG+HTML polyglot, "%PDF-" and anything) is refused or cleaned."""
import io

from flask_babel import lazy_gettext as _l

# Decoding cost is bounded: a small file must not expand into gigabytes of pixels.
MAX_PIXELS = 40_000_000
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF"}
# Actions that run script or programs (anywhere in the file's uncompressed parts).
PDF_SCRIPT_MARKERS = (b"/JavaScript", b"/Launch")


class Refused(ValueError):
    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


def reencode_image(stream, mime):
    """A new file with the image's pixels only."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(stream) as image:
            if image.format != FORMATS[mime]:
                raise Refused(_l("the file is not the image it claims to be"))
            if image.width * image.height > MAX_PIXELS:
                raise Refused(_l("the image has too many pixels"))
            return _encode(image, FORMATS[mime])
    except Refused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise Refused(_l("the image cannot be read")) from None


def _encode(image, fmt):
    from PIL import ImageSequence

    out = io.BytesIO()
    loop, duration = image.info.get("loop", 0), image.info.get("duration", 100)
    image.load()
    # Comments, EXIF, text chunks and profiles are carried over from ``info`` by Pillow's
    # encoders: only the pixels go to the new file.
    image.info.clear()
    if fmt == "JPEG":
        image = image.convert("RGB") if image.mode not in ("RGB", "L") else image
        image.save(out, "JPEG", quality=90)
    elif fmt == "GIF" and getattr(image, "n_frames", 1) > 1:
        frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
        for frame in frames:
            frame.info.clear()
        frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], loop=loop, duration=duration)
    else:
        if fmt == "PNG" and image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
            image = image.convert("RGBA")
        image.save(out, fmt)
    out.seek(0)
    return out


def _catalog_runs_script(catalog):
    """An open action that is an action (not a page to show), document actions, or named
    scripts: what a PDF reader runs when the file opens."""
    action = catalog.get("/OpenAction")
    action = action.get_object() if action is not None else None
    names = catalog.get("/Names")
    names = names.get_object() if names is not None else {}
    return isinstance(action, dict) or "/AA" in catalog or "/JavaScript" in names


def check_pdf(stream):
    """Parse the PDF; refuse one that is not a PDF, has no page, or carries script."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    head = stream.read()
    stream.seek(0)
    try:
        reader = PdfReader(io.BytesIO(head), strict=False)
        if reader.is_encrypted or len(reader.pages) < 1:
            raise Refused(_l("the PDF cannot be read (encrypted or without pages)"))
        scripted = _catalog_runs_script(reader.trailer["/Root"].get_object())
    except Refused:
        raise
    except (PyPdfError, KeyError, ValueError, TypeError, AttributeError, RecursionError, OSError):
        raise Refused(_l("the file is not a readable PDF")) from None
    if scripted or any(marker in head for marker in PDF_SCRIPT_MARKERS):
        raise Refused(_l("PDF files with scripts or automatic actions are not accepted"))
