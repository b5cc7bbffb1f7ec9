"""Printable PDFs (certificates, campaign posters): WeasyPrint with local fonts only, QR codes as SVG.

Images come only embedded as ``data:image/png`` or ``data:image/jpeg`` URLs (a signature).

Fonts with full Vietnamese coverage come from Debian (fonts-noto-core, fonts-dejavu-core); the
renderer fetches nothing but those font files, never anything from the network.
"""

from pathlib import Path

# First found wins.
FONT_FILES = {
    "normal": (
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    ),
    "bold": (
        "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
}
FONT_DIRECTORIES = ("/usr/share/fonts/",)
# Images the document embeds as data: URLs (nothing is fetched for them).
DATA_IMAGE_PREFIXES = ("data:image/png;base64,", "data:image/jpeg;base64,")


def font_urls():
    """{"normal": [file URLs], "bold": [...]}: the installed candidates, for @font-face rules."""
    found = {}
    for weight, candidates in FONT_FILES.items():
        found[weight] = [Path(path).as_uri() for path in candidates if Path(path).is_file()]
    return found


def qr_svg(url):
    """An inline SVG QR code of ``url`` (vector: sharp at any print size)."""
    import qrcode
    from qrcode.image.svg import SvgPathImage

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, image_factory=SvgPathImage)
    qr.add_data(url)
    qr.make(fit=True)
    svg = qr.make_image().to_string(encoding="unicode")
    return svg[svg.index("<svg") :]


def _url_fetcher():
    """Fetch local font files only."""

    def allowed(url):
        if url.startswith(DATA_IMAGE_PREFIXES):
            return True  # an image embedded in the document itself (a certificate's signature)
        if not url.startswith("file:"):
            return False
        path = url.removeprefix("file://")
        return any(path.startswith(directory) for directory in FONT_DIRECTORIES) and ".." not in path

    try:
        from weasyprint.urls import URLFetcher  # WeasyPrint >= 68
    except ImportError:  # pragma: no cover - older WeasyPrint: a fetcher function returning a dict
        from weasyprint import default_url_fetcher

        def fetch(url, *args, **kwargs):
            if not allowed(url):
                raise ValueError(f"Not fetched into a PDF: {url}")
            return default_url_fetcher(url, *args, **kwargs)

        return fetch

    class FontsOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not allowed(url):
                raise ValueError(f"Not fetched into a PDF: {url}")
            return super().fetch(url, headers)

    return FontsOnlyFetcher(allowed_protocols=("file", "data"))


def pdf_from_html(html):
    """``html`` (a whole document, its page size in its CSS) rendered to PDF bytes."""
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_url_fetcher()).write_pdf()
