"""Illustrations drawn locally with Pillow for demo content: nothing is downloaded."""

from io import BytesIO

from django.core.files.images import ImageFile
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images import get_image_model

from core.search import fold


def _mock_screen(accent, width=960, height=600):
    """A simple drawing of a phone showing a form, in the given accent colour."""
    image = PILImage.new("RGB", (width, height), (243, 246, 249))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, height * 0.72, width, height], fill=(225, 232, 240))
    # Phone
    px, py, pw, ph = width * 0.38, height * 0.08, width * 0.24, height * 0.84
    draw.rounded_rectangle([px, py, px + pw, py + ph], radius=28, fill=(40, 44, 52))
    sx, sy, sw, sh = px + 12, py + 36, pw - 24, ph - 72
    draw.rectangle([sx, sy, sx + sw, sy + sh], fill=(255, 255, 255))
    draw.rectangle([sx, sy, sx + sw, sy + 44], fill=accent)
    for i in range(4):
        top = sy + 70 + i * 56
        draw.rounded_rectangle([sx + 14, top, sx + sw - 14, top + 36], radius=6, outline=(180, 188, 198), width=2)
    draw.rounded_rectangle([sx + 14, sy + sh - 70, sx + sw - 14, sy + sh - 26], radius=8, fill=accent)
    # Decoration: a document and a check mark
    draw.rounded_rectangle([width * 0.1, height * 0.3, width * 0.28, height * 0.62], radius=10, fill=(255, 255, 255))
    for i in range(5):
        y = height * 0.36 + i * 22
        draw.line([width * 0.13, y, width * 0.25, y], fill=(190, 196, 204), width=6)
    cx, cy, r = width * 0.8, height * 0.42, 62
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=accent)
    draw.line([cx - 28, cy, cx - 6, cy + 24, cx + 30, cy - 22], fill=(255, 255, 255), width=14)
    return image


def demo_image_ensure(title, accent, description=""):
    """The Wagtail image with this title, drawn and saved if it does not exist yet."""
    Image = get_image_model()
    existing = Image.objects.filter(title=title).first()
    if existing is not None:
        return existing
    buffer = BytesIO()
    _mock_screen(accent).save(buffer, format="PNG", optimize=True)
    slug = "".join(ch if ch.isalnum() else "-" for ch in fold(title))
    image = Image(title=title, description=description)
    image.file = ImageFile(BytesIO(buffer.getvalue()), name=f"demo-{slug.strip('-') or 'image'}.png")
    image.save()
    return image
