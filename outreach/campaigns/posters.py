"""Campaign posters: an A4 PDF with a QR code of the short link /c/<code>/ (``links.short_link``).

A commune office prints the poster (A4 PDF, WeasyPrint like the certificates: core.pdf) with
the campaign's title, goal, calls to action, a large QR code and the short link typed by hand.
"""

import re

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from core.codes import readable_code_is_well_formed, readable_code_normalise
from core.pdf import font_urls, pdf_from_html, qr_svg
from core.published import public_q

from .links import short_link
from .models import CAMPAIGN_CODE_LENGTH, CampaignPage

# The query marker on the campaign page's address after the short link (part of the URL, so that
# the campaign's results can count visits from the poster and QR code).
FROM_PARAMETER = "from"
FROM_POSTER = "qr"


def campaign_by_code(*, code: str, live_only: bool = True) -> CampaignPage | None:
    """The campaign with this short code (live and public unless ``live_only`` is False), or None."""
    code = readable_code_normalise(code)
    if not readable_code_is_well_formed(code, CAMPAIGN_CODE_LENGTH):
        return None
    campaigns = CampaignPage.objects.filter(short_code=code)
    if live_only:
        campaigns = campaigns.live().filter(public_q())
    return campaigns.first()


def poster_html(*, campaign: CampaignPage) -> str:
    """The poster as an HTML document for WeasyPrint (Vietnamese, whatever the reader's language)."""
    url = short_link(campaign=campaign)
    targets = []
    for label, page, service in campaign.call_to_action_targets():
        if service is not None:
            targets.append({"label": label, "where": service.name})
        else:
            targets.append({"label": label, "where": page.title})
    context = {
        "campaign": campaign,
        "targets": targets,
        "short_link": url,
        "short_link_display": re.sub(r"^https?://", "", url),
        # Built by qrcode from our own URL: nothing an editor typed reaches the markup unescaped.
        "qr_svg": mark_safe(qr_svg(url)),  # noqa: S308
        "fonts": font_urls(),
        "services": list(campaign.services.all()),
    }
    with translation.override("vi"):
        return render_to_string("outreach/campaigns/campaign_poster.html", context)


def poster_pdf(*, campaign: CampaignPage) -> bytes:
    """The campaign's poster: one A4 portrait page (bytes)."""
    return pdf_from_html(poster_html(campaign=campaign))


def poster_filename(*, campaign: CampaignPage) -> str:
    return f"ap-phich-{campaign.slug[:60]}-{campaign.short_code}.pdf"
