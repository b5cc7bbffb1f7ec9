"""Public campaign short links (/c/<code>/) and posters (/c/<code>/poster/), and the editors' poster."""

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from wagtail.models import Page

from .models import CampaignPage
from .posters import FROM_PARAMETER, FROM_POSTER, campaign_by_code, poster_filename, poster_pdf

POSTER_MAX_AGE = 3600


def _not_found(request):
    response = render(request, "outreach/campaigns/campaign_not_found.html", status=404)
    add_never_cache_headers(response)
    return response


@require_safe
@never_cache
def short_link(request, code):
    """Redirect to the campaign's page, marked as a visit from the poster or its QR code.

    Never cached (not by the page cache, which keeps only 200s, nor by browsers or proxies):
    the campaign may move, end or be unpublished, and each visit must reach us.
    """
    campaign = campaign_by_code(code=code)
    if campaign is None:
        return _not_found(request)
    url = campaign.get_url(request) or campaign.full_url
    return HttpResponseRedirect(f"{url}?{urlencode({FROM_PARAMETER: FROM_POSTER})}")


@require_safe
def poster(request, code):
    """The poster of a live, public campaign (anyone may print it)."""
    campaign = campaign_by_code(code=code)
    if campaign is None:
        return _not_found(request)
    return poster_response(campaign, max_age=POSTER_MAX_AGE)


def poster_response(campaign, *, max_age=None, attachment=True):
    response = HttpResponse(poster_pdf(campaign=campaign), content_type="application/pdf")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{poster_filename(campaign=campaign)}"'
    if max_age:
        patch_cache_control(response, public=True, max_age=max_age)
    else:
        patch_cache_control(response, private=True, no_store=True)
    return response


def poster_admin(request, page_id):
    """In the admin: the poster of a campaign its editors may edit, live or not yet."""
    page = Page.objects.filter(pk=page_id).first()
    if page is None or page.specific_class is not CampaignPage:
        raise Http404
    campaign = page.specific
    if not campaign.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return poster_response(campaign)
