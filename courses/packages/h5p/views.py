"""The H5P player: one page, in the lesson's sandboxed frame, that plays a package with h5p-standalone.

``/learn/package-h5p/<token>/``: the token is the content token of the SCORM runtime (person, lesson,
package; signed and short-lived). The page loads h5p-standalone from our own static files (vendored
from npm by the build: ``vendor/h5p-standalone/``), and the package's ``h5p.json``, ``content.json``
and libraries from the package content path (``/learn/package-content/<token>/…``), which answers
their cross-origin requests (the frame's origin is opaque: ``Origin: null``) with
``Access-Control-Allow-Origin: *``. It relays the activity's xAPI results to the lesson page, which
posts them with its session (``package-player.js``, the SCORM runtime's relay) to the commit view.

Its policy (``H5P_PLAYER_SECURITY_POLICY``) is its own: sandboxed (``allow-scripts`` only: an opaque
origin, no cookies, no storage, no forms, no popups), scripts only from our static files and the
package's path, no inline or evaluated script (h5p-standalone 3.8 needs neither), framed only by
this site.
"""

import uuid

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_safe

from accounts.models import User
from core.published import live_page

from ...learning.pages import LessonPage
from .. import selectors
from ..models import LearningPackage, Standard

VENDOR = "vendor/h5p-standalone"
PLAYER_JS = "courses/packages/h5p-player.js"


def _origin(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _absolute(request, url: str) -> str:
    return url if "://" in url else _origin(request) + url


def _policy(request, content_base: str) -> str:
    static_base = _absolute(request, settings.STATIC_URL)
    sources = f"{static_base}{VENDOR}/ {_absolute(request, static(PLAYER_JS))} {content_base}"
    return "; ".join(
        [
            "sandbox allow-scripts",
            "default-src 'none'",
            f"script-src {sources}",
            # H5P's core and content types set inline styles and insert <style> elements.
            f"style-src {static_base}{VENDOR}/ {content_base} 'unsafe-inline'",
            f"img-src {static_base}{VENDOR}/ {content_base} data: blob:",
            f"font-src {static_base}{VENDOR}/ {content_base} data:",
            f"media-src {content_base} data: blob:",
            f"connect-src {static_base}{VENDOR}/ {content_base}",
            "frame-src 'none'",  # the activity is played in this document ("div"), in no further frame
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'self'",
        ]
    )


@require_safe
def h5p_player(request, token):
    grant = selectors.content_grant(token=token)
    if grant is None or (request.user.is_authenticated and request.user.pk != grant.user_id):
        raise Http404
    lesson = live_page(request, LessonPage, grant.lesson_id)
    if lesson is None or grant.package_id not in selectors.lesson_package_ids(lesson=lesson):
        raise Http404
    package = LearningPackage.objects.filter(pk=grant.package_id, standard=Standard.H5P).first()
    if package is None or not User.objects.filter(pk=grant.user_id, is_active=True).exists():
        raise Http404
    attempt = selectors.attempt_open(user_id=grant.user_id, lesson_id=grant.lesson_id, package_id=grant.package_id)
    attempt_uuid = str(attempt.uuid) if attempt else str(uuid.uuid4())
    content = reverse("courses:package_content", kwargs={"token": token, "path": "h5p.json"}).rsplit("/", 1)[0]
    content_base = _absolute(request, content) + "/"
    scripts = [_absolute(request, static(f"{VENDOR}/main.bundle.js")), _absolute(request, static(PLAYER_JS))]
    config = {
        "origin": _origin(request),
        "attempt": selectors.attempt_token(grant=grant, attempt_uuid=attempt_uuid),
        "options": {
            "id": package.identifier,
            "h5pJsonPath": content_base.rstrip("/"),
            "frameJs": _absolute(request, static(f"{VENDOR}/frame.bundle.js")),
            "frameCss": _absolute(request, static(f"{VENDOR}/styles/h5p.css")),
            # Always "div": this page is already the frame H5P's "iframe" embedding asks for (one document
            # per activity); inside the opaque-origin sandbox a nested about:blank frame would get an origin
            # of its own, and h5p-standalone could not write the content into it.
            "embedType": "div",
            "frame": False,
            "copyright": False,
            "export": False,
            "embed": False,
            "icon": False,
            "fullScreen": False,
            "xAPIObjectIRI": _absolute(request, lesson.url) + f"#h5p-{package.identifier}",
        },
    }
    response = render(
        request,
        "courses/packages/h5p/player.html",
        {"package": package, "config": config, "scripts": scripts},
    )
    response["Content-Security-Policy"] = _policy(request, content_base)
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    response._csp_exempt = True  # django-csp keeps this policy
    return response
