"""QR codes that a verifier's phone scans to reach /verify (SPEC §14), drawn by segno: as
inline SVG in pages (no request of its own, no script: the CSP is untouched) and as
vector squares in the conversion certificate PDF."""
import segno
from markupsafe import Markup, escape
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors

# M (15 % of the code may be damaged) reads well on a phone screen and on paper.
ERROR = "m"


def make(url):
    return segno.make(url, error=ERROR, micro=False)


def svg(url, label, scale=4):
    """``<svg role="img">`` naming what it opens; dark modules on white with the quiet zone."""
    code = make(url).svg_inline(scale=scale, border=4, dark="#000", light="#fff", svgclass="cb-qr",
                                lineclass=None, title=str(label))
    return Markup(code.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))


def drawing(url, size):
    """A ReportLab drawing ``size`` points wide: one rectangle per run of dark modules in a
    row (a fraction of the shapes one square per module would take, so smaller PDFs)."""
    matrix = make(url).matrix
    border = 4
    count = len(matrix) + 2 * border
    module = size / count
    picture = Drawing(size, size)
    picture.add(Rect(0, 0, size, size, fillColor=colors.white, strokeColor=None))
    for y, row in enumerate(matrix):
        top = size - (y + border + 1) * module
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            picture.add(Rect((start + border) * module, top, (x - start) * module, module,
                             fillColor=colors.black, strokeColor=None, strokeWidth=0))
    return picture
