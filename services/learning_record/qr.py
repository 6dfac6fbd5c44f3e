"""QR codes with segno: inline SVG for pages, vector squares for reportlab PDFs."""
import segno
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors

BORDER = 4  # the quiet zone the QR specification asks for, in modules


def make(text):
    return segno.make(text, error="m", micro=False)


def svg(text, title, scale=4):
    """An inline ``<svg>`` (no script, no external reference: allowed by the page's CSP)."""
    return make(text).svg_inline(scale=scale, border=BORDER, title=title, dark="#000", light="#fff")


def drawing(text, size):
    """A reportlab Drawing ``size`` points wide: one rectangle per run of dark modules."""
    matrix = make(text).matrix
    count = len(matrix) + 2 * BORDER
    module = size / count
    picture = Drawing(size, size)
    picture.add(Rect(0, 0, size, size, fillColor=colors.white, strokeColor=None))
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            top = size - (y + BORDER + 1) * module
            picture.add(Rect((start + BORDER) * module, top, (x - start) * module, module,
                             fillColor=colors.black, strokeColor=None, strokeWidth=0))
    return picture
