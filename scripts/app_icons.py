"""Draws the mobile app's icons (static/icons/) from the logo's shapes (static/logo.svg):
a white mountain and an orange base on the platform's blue. Run once after changing the
logo: `.venv/bin/python scripts/app_icons.py`. The maskable icon keeps its drawing inside
the central 80 % that every launcher's mask leaves visible."""
import os

from PIL import Image, ImageDraw

BLUE, WHITE, ORANGE = (11, 92, 173), (255, 255, 255), (217, 130, 43)
OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "static", "icons")


def draw(size, inset):
    """The logo on a blue square; ``inset`` is the margin left around the drawing (0–1)."""
    image = Image.new("RGB", (size, size), BLUE)
    pen = ImageDraw.Draw(image)
    box = size * (1 - 2 * inset)

    def at(x, y):  # the logo's 32-unit grid, placed inside the margin
        return (size * inset + x / 32 * box, size * inset + y / 32 * box)

    pen.polygon([at(6, 22), at(16, 8), at(26, 22)], fill=WHITE)
    pen.rounded_rectangle([at(8, 22.5), at(24, 25.5)], radius=max(1, size // 64), fill=ORANGE)
    return image


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for size in (192, 512):
        draw(size, 0.06).save(os.path.join(OUT, f"icon-{size}.png"), optimize=True)
    draw(512, 0.16).save(os.path.join(OUT, "icon-maskable-512.png"), optimize=True)
    draw(180, 0.06).save(os.path.join(OUT, "apple-touch-icon.png"), optimize=True)
