"""Reading what a learner downloads: a PDF's text (pdftotext) and the QR codes on its
first page (pdftoppm, then zxing-cpp)."""
import subprocess

import zxingcpp
from PIL import Image


def text_of(path):
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def qr_codes(path, tmp_path):
    """The texts of the QR codes on the PDF's first page, rendered at 150 dpi."""
    stem = tmp_path / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", str(path), str(stem)],
                   check=True)
    with Image.open(f"{stem}.png") as image:
        return [code.text for code in zxingcpp.read_barcodes(image) if code.format == zxingcpp.BarcodeFormat.QRCode]
