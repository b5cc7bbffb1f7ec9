"""Draw the site's icons and its default sharing picture into ``static/brand/`` (committed; run after a
change of brand colour or name): ``python manage.py brand_images``.

- ``favicon.svg``: the icon browsers that read SVG use; ``favicon-32.png`` the fallback;
  ``apple-touch-icon.png`` (180 px) for phones' home screens; ``favicon.ico`` (16, 32, 48 px) for
  ``/favicon.ico``, which browsers and crawlers ask for on their own.
- ``og-default.png``: 1200 × 630, the picture of a shared page that has none (Facebook, Zalo).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw, ImageFont

BRAND = "#a4161a"
WHITE = "#ffffff"
# The web manifest's icons (core.offline reads the same sizes).
MANIFEST_ICON_SIZES = (192, 512)
FONT_PATHS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",)
SVG = f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">
<rect width="64" height="64" rx="12" fill="{BRAND}"/>
<text x="32" y="42" font-family="system-ui,Arial,sans-serif" font-size="26" font-weight="700"
 fill="{WHITE}" text-anchor="middle">KNS</text>
</svg>
"""


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_PATHS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def _icon(size: int) -> Image.Image:
    image = Image.new("RGB", (size, size), BRAND)
    draw = ImageDraw.Draw(image)
    draw.text((size / 2, size / 2), "KNS", fill=WHITE, font=_font(max(6, int(size * 0.4))), anchor="mm")
    return image


def _sharing_picture() -> Image.Image:
    image = Image.new("RGB", (1200, 630), BRAND)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((80, 215, 400, 415), radius=28, fill=WHITE)
    draw.text((240, 315), "KNS", fill=BRAND, font=_font(110), anchor="mm")
    draw.text((460, 265), "Kỹ Năng Số", fill=WHITE, font=_font(88), anchor="lm")
    draw.text((462, 370), "Học dùng dịch vụ công trực tuyến", fill=WHITE, font=_font(32), anchor="lm")
    return image


class Command(BaseCommand):
    help = "Draw the favicon files and the default sharing picture into static/brand/."

    def handle(self, *args, **options):
        folder = Path(settings.BASE_DIR) / "static" / "brand"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "favicon.svg").write_text(SVG)
        _icon(32).save(folder / "favicon-32.png", optimize=True)
        _icon(180).save(folder / "apple-touch-icon.png", optimize=True)
        _icon(48).save(folder / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
        for size in MANIFEST_ICON_SIZES:
            _icon(size).save(folder / f"icon-{size}.png", optimize=True)
        _sharing_picture().quantize(colors=32).save(folder / "og-default.png", optimize=True)
        for path in sorted(folder.iterdir()):
            self.stdout.write(f"{path.name}: {path.stat().st_size} bytes")
