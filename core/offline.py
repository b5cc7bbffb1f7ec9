"""The site offline (docs/offline.md): the service worker, the web manifest, the offline page and the
session a queued submission is replayed with.

- ``/sw.js``: the service worker (``static/js/sw.js``, read once per process), served from the site's
  root so that its scope is the whole site, ``Cache-Control: no-cache`` so that browsers check it
  for a new version on every visit. No database, no template.
- ``/manifest.webmanifest``: name, colours and icons (``static/brand/``, drawn by ``brand_images``).
- ``/offline/``: what the service worker shows when a page it does not hold is asked for offline.
- ``/offline/session``: a fresh CSRF token and the owner marker, asked for just before queued
  submissions are sent again (a token kept in the browser for days would have expired by then).

Which person a browser's saved pages belong to is the **owner marker**: an HMAC of the signed-in
person's id (nothing readable), empty for a visitor. Pages name it (``offline_owner``: the
``X-Offline-Page`` header of tutorials and lessons, the ``data-offline-owner`` attribute of every
page) and the service worker forgets every saved page as soon as it sees another one.
"""

import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.management.commands.brand_images import BRAND, MANIFEST_ICON_SIZES

SERVICE_WORKER = "js/sw.js"
# Named by the pages a service worker may keep offline (tutorials and lessons): whose page it is.
PAGE_HEADER = "X-Offline-Page"
# Sent by the worker when it fetches a page to keep it (a first visit, "Save to read offline"): the person
# already saw the page, so core.page_views does not count this copy as a view.
SAVE_HEADER = "X-Offline-Save"
OFFLINE_PATH = "/offline/"
SESSION_PATH = "/offline/session"
BACKGROUND = "#ffffff"


def offline_owner(request: HttpRequest) -> str:
    """The owner marker of the request's person: 20 hex digits of an HMAC of their id, "" for a visitor."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    return salted_hmac("core.offline.owner", str(user.pk)).hexdigest()[:20]


@cache
def _static_text(name: str) -> str:
    for entry in settings.STATICFILES_DIRS:
        # An entry is a folder, or (prefix, folder): the vendored player is ("vendor/h5p-standalone", …).
        prefix, folder = entry if isinstance(entry, tuple | list) else ("", entry)
        if prefix and not name.startswith(f"{prefix}/"):
            continue
        path = Path(str(folder)) / name.removeprefix(f"{prefix}/" if prefix else "")
        if path.exists():
            return path.read_text(encoding="utf-8")
    return ""


def _worker_source() -> str:
    """The worker with the addresses it needs (the offline page and the session) written at the top."""
    config = {"offline": OFFLINE_PATH, "session": SESSION_PATH, "header": PAGE_HEADER, "save": SAVE_HEADER}
    return f"self.KNS = {json.dumps(config)};\n" + _static_text(SERVICE_WORKER)


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """``/sw.js``, from memory: checked for a new version on every visit (``no-cache``), scope ``/``."""
    response = HttpResponse(_worker_source(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def web_manifest(request: HttpRequest) -> HttpResponse:
    """``/manifest.webmanifest``: what a phone shows when the site is added to its home screen."""
    manifest = {
        "name": _("Digital Skills"),
        "short_name": _("Digital Skills"),
        "description": _("Learn to use online public services, step by step."),
        "lang": settings.LANGUAGE_CODE,
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": BRAND,
        "background_color": BACKGROUND,
        "icons": [
            {"src": static(f"brand/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
            for size in MANIFEST_ICON_SIZES
        ],
    }
    response = HttpResponse(
        json.dumps(manifest, ensure_ascii=False), content_type="application/manifest+json; charset=utf-8"
    )
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def offline_page(request: HttpRequest) -> HttpResponse:
    """The page shown offline for a page the browser does not hold (the worker keeps a visitor's copy)."""
    return render(request, "core/offline.html")


@require_safe
@never_cache
def offline_session(request: HttpRequest) -> JsonResponse:
    """A fresh CSRF token (and its cookie) and the owner marker, for sending queued submissions again."""
    return JsonResponse({"csrf": get_token(request), "owner": offline_owner(request)})
