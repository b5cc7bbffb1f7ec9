"""The tool's endpoints (docs/lti.md): JWKS, OIDC login initiation, launch, the hand-over, deep linking.

The platform's login initiation, its id_token form_post and the deep-linking picker's POST come from
inside the platform's frame, where the site's SameSite=Lax session and CSRF cookies are not sent: they
are exempt from Django's CSRF check, and what replaces it is listed in tests/lms/test_security_headers.py
(the OIDC state and nonce, the platform's signature, an unguessable one-time token). These pages get a
policy of their own (``_frame_policy``): framed only by the platform, forms to us and to its return URL.
"""

import logging
from urllib.parse import urlsplit

from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from lti_tool.models import LtiRegistration

from accounts.views import BACKEND

from . import keys, selectors, services
from .platform import CLAIM, LaunchRefused, launch_validate, oidc_login

logger = logging.getLogger(__name__)
POLICY = "Content-Security-Policy"


def _origin(url: str) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _frame_policy(response: HttpResponse, *, registration: LtiRegistration | None, form_to: str = "") -> HttpResponse:
    """The site's strict policy, framed only by the platform (or by anyone for a page of text alone)."""
    platform = [o for o in {_origin(registration.issuer), _origin(registration.auth_url)} if o] if registration else []
    ancestors = " ".join(sorted(platform)) if registration else "*"
    form_action = " ".join(["'self'", *([o] if (o := _origin(form_to)) else [])])
    response[POLICY] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; "
        f"base-uri 'self'; form-action {form_action}; frame-ancestors {ancestors}"
    )
    return response


def _refused(request: HttpRequest, error: LaunchRefused, *, status: int = 400, return_url: str = "") -> HttpResponse:
    logger.info("LTI message refused: %s", error.detail or error.reason)
    response = render(
        request, "courses/lti/error.html", {"reason": error.reason, "return_url": return_url}, status=status
    )
    return _frame_policy(response, registration=None)


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The tool's public keys (RFC 7517), for the platform to check what we sign."""
    response = JsonResponse(keys.jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response


@csrf_exempt
@xframe_options_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def login_initiation(request: HttpRequest, registration_uuid: str | None = None) -> HttpResponse:
    """OIDC third-party initiated login (LTI 1.3 core §4.1 / Security Framework §5.1.1)."""
    params = request.POST if request.method == "POST" else request.GET
    target = params.get("target_link_uri", "")
    if _origin(target) != _origin(request.build_absolute_uri("/")):
        return _refused(request, LaunchRefused(_("The platform sent a launch we cannot accept."), "target_link_uri"))
    try:
        return oidc_login(
            request, registration_uuid=registration_uuid, launch_url=request.build_absolute_uri(reverse("lti:launch"))
        )
    except LaunchRefused as error:
        return _refused(request, error)


def _top_level(request: HttpRequest, data: dict) -> bool:
    """Opened in a window of its own (not in the platform's frame): the fetch metadata, else the claim."""
    destination = request.headers.get("Sec-Fetch-Dest")
    if destination:
        return destination == "document"
    presentation = data.get(CLAIM + "launch_presentation")
    return isinstance(presentation, dict) and presentation.get("document_target") == "window"


@csrf_exempt
@xframe_options_exempt
@never_cache
@require_POST
def launch(request: HttpRequest) -> HttpResponse:
    """The platform's id_token (form_post): a resource link or a deep-linking request."""
    try:
        data, registration, deployment = launch_validate(request)
        message_type = data.get(CLAIM + "message_type")
        if message_type == "LtiResourceLinkRequest":
            landing = services.launch_accept(data=data, registration=registration, deployment=deployment)
        elif message_type == "LtiDeepLinkingRequest":
            token = services.deep_link_begin(data=data, registration=registration, deployment=deployment)
            return _deep_link_picker(request, token=token, registration=registration)
        else:
            raise LaunchRefused(_("Kỹ Năng Số does not support this kind of launch."), f"{message_type}")
    except LaunchRefused as error:
        return _refused(request, error)
    enter_url = reverse("lti:enter", args=[landing.ticket])
    if _top_level(request, data):
        return redirect(enter_url)
    response = render(
        request, "courses/lti/launch.html", {"page": landing.page, "user": landing.user, "enter_url": enter_url}
    )
    return _frame_policy(response, registration=registration)


@never_cache
@require_GET
def enter(request: HttpRequest, token: str) -> HttpResponse:
    """The hand-over, in a window of the site's own: sign the launched person in, then to the course or lesson."""
    ticket = services.entry_ticket_redeem(token=token)
    if ticket is None or not ticket.user.is_active:
        error = LaunchRefused(_("This link has expired or was already used. Open the activity again from your course."))
        return _refused(request, error, status=404)
    login(request, ticket.user, backend=BACKEND)
    response = redirect(ticket.page.specific.url or "/")
    response["Referrer-Policy"] = "no-referrer"
    return response


def _deep_link_picker(
    request: HttpRequest, *, token: str, registration: LtiRegistration, error: str = "", status: int = 200
) -> HttpResponse:
    pending = services.deep_link_pending(token=token)
    context = {
        "token": token,
        "courses": selectors.linkable_courses(),
        "multiple": pending.accept_multiple if pending else True,
        "error": error,
    }
    response = render(request, "courses/lti/deep_link.html", context, status=status)
    return _frame_policy(response, registration=registration)


def _page_ids(values: list[str]) -> list[int]:
    return [int(v) for v in values[:50] if v.isdigit() and len(v) < 12]


@csrf_exempt
@xframe_options_exempt
@never_cache
@require_POST
def deep_link(request: HttpRequest) -> HttpResponse:
    """The instructor's choice → a signed LtiDeepLinkingResponse, posted to the platform's return URL."""
    token = request.POST.get("token", "")
    pending = services.deep_link_pending(token=token)
    if pending is None:
        return _refused(request, LaunchRefused(_("This selection has expired. Start again from your course.")))
    registration = LtiRegistration.objects.filter(pk=pending.registration_id).first()
    if registration is None:
        raise Http404
    try:
        answer = services.deep_link_respond(
            token=token,
            page_ids=_page_ids(request.POST.getlist("page")),
            launch_url=request.build_absolute_uri(reverse("lti:launch")),
        )
    except ValidationError as error:
        return _deep_link_picker(
            request, token=token, registration=registration, error=" ".join(error.messages), status=400
        )
    except LaunchRefused as error:
        return _refused(request, error)
    response = render(
        request, "courses/lti/deep_link_return.html", {"return_url": answer.return_url, "jwt": answer.jwt}
    )
    return _frame_policy(response, registration=registration, form_to=answer.return_url)
