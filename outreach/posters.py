"""Campaign posters and short links: /c/<code>/ leads to the campaign, marked as a visit from the poster.

A commune office prints the poster (A4 PDF, WeasyPrint like the certificates: core.pdf) with
the campaign's title, goal, calls to action, a large QR code and the short link typed by hand.
"""

import re

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe

from core.codes import readable_code_is_well_formed, readable_code_normalise
from core.pdf import font_urls, pdf_from_html, qr_svg

from .models import CAMPAIGN_CODE_LENGTH, CampaignPage

# The query marker on the campaign page's address after the short link (part of the URL, so that
# the campaign's results can count visits from the poster and QR code).
FROM_PARAMETER = "from"
FROM_POSTER = "qr"


def campaign_by_code(raw, *, live_only=True):
    """The campaign with this short code (live and public unless ``live_only`` is False), or None."""
    from core.published import public_q

    code = readable_code_normalise(raw)
    if not readable_code_is_well_formed(code, CAMPAIGN_CODE_LENGTH):
        return None
    campaigns = CampaignPage.objects.filter(short_code=code)
    if live_only:
        campaigns = campaigns.live().filter(public_q())
    return campaigns.first()


def short_link(campaign):
    """The absolute short link printed on the poster (Vietnamese: no language prefix)."""
    with translation.override("vi"):
        path = reverse("campaigns:short_link", args=[campaign.short_code])
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def short_link_display(campaign):
    """The short link without its scheme, as people type it."""
    return re.sub(r"^https?://", "", short_link(campaign))


def poster_html(campaign, *, base_url=None):
    """The poster as an HTML document for WeasyPrint (Vietnamese, whatever the reader's language)."""
    url = short_link(campaign)
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
        return render_to_string("outreach/campaign_poster.html", context)


def poster_pdf(campaign):
    """The campaign's poster: one A4 portrait page (bytes)."""
    return pdf_from_html(poster_html(campaign))


def poster_filename(campaign):
    return f"ap-phich-{campaign.slug[:60]}-{campaign.short_code}.pdf"
