from django import template
from django.http import QueryDict

from core.nav import account_links as nav_account_links
from core.offline import offline_owner as offline_owner_marker
from core.published import published_memo, site_for_request, site_root_paths_for_request
from core.seo import page_meta

register = template.Library()


@register.inclusion_tag("includes/seo_head.html", takes_context=True)
def seo_head(context):
    """Canonical address, hreflang and Open Graph tags of the page (core.seo; no query but a rendition's)."""
    request = context.get("request")
    if request is None:
        return {"meta": None}
    return {"meta": page_meta(request=request, page=context.get("page"))}


@register.inclusion_tag("includes/main_nav.html", takes_context=True)
def main_nav(context):
    """Top-level pages marked "show in menus", in tree order (remembered per page-cache generation)."""
    request = context.get("request")
    current = context.get("page")
    items: list[tuple[object, bool]] = []
    if request is None:
        return {"items": items, "request": request}
    site = site_for_request(request)
    if site is not None:
        site_root_paths_for_request(request)  # the menu's links, without asking the cache
        pages = published_memo(
            request,
            ("main-nav", site.pk),
            lambda: list(site.root_page.get_children().live().public().in_menu()),
        )
        current_path = getattr(current, "path", "")
        items = [(page, current_path.startswith(page.path)) for page in pages]
    return {"items": items, "request": request}


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced: ``?{% query_with page=2 %}``."""
    request = context.get("request")
    params = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


@register.simple_tag(takes_context=True)
def account_links(context):
    """The signed-in person's header links (core.nav: each app contributes its own)."""
    request = context.get("request")
    return nav_account_links(request=request) if request is not None else []


@register.simple_tag(takes_context=True)
def offline_owner(context):
    """Whose pages these are, for the service worker (``core.offline``): "" for a visitor."""
    request = context.get("request")
    return offline_owner_marker(request) if request is not None else ""
