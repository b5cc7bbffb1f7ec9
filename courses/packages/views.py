"""A learner's package: its files (sandboxed, with the adapter put into its pages) and its commits.

- ``package_content``: ``/learn/package-content/<token>/<path>``. The token, signed and short-lived,
  names the person, the lesson and the package; pages and assets inside the sandboxed frame are
  requested from an opaque origin, without the site's cookies, so the token is what grants them. When
  the request does carry a session (the frame's first page), it must be the token's person. Every file
  gets the content's own policy (``PACKAGES_CONTENT_SECURITY_POLICY``: ``sandbox allow-scripts
  allow-forms``); each HTML page of a SCORM package gets the adapter and the attempt's state.
- ``package_commit``: the lesson page relays the adapter's commits here (session and CSRF token); the
  attempt is the signed-in person's, named by the signed attempt token the launch handed out.
"""

import json
import mimetypes
import posixpath
import re

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.utils.html import json_script
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST, require_safe

from accounts.models import User
from core.published import live_page

from ..learning.pages import LessonPage
from ..learning.progress import course_access_error, course_progress_for
from . import selectors, services
from .h5p import services as h5p_services
from .models import LearningPackage, Standard
from .validation import safe_path

_HTML = {"text/html", "application/xhtml+xml"}
_HEAD = re.compile(rb"<head(\s[^>]*)?>", re.IGNORECASE)
_HTML_TAG = re.compile(rb"<html(\s[^>]*)?>", re.IGNORECASE)


def _sandboxed(response: HttpResponse) -> HttpResponse:
    response["Content-Security-Policy"] = settings.PACKAGES_CONTENT_SECURITY_POLICY
    response["X-Frame-Options"] = "SAMEORIGIN"  # framed by the lesson page (the site's is DENY)
    response["Referrer-Policy"] = "no-referrer"  # the token stays in this frame
    response["X-Content-Type-Options"] = "nosniff"
    response._csp_exempt = True  # django-csp keeps this policy
    return response


def _injected(content: bytes, state: dict) -> bytes:
    """The page with the adapter first in its <head>: the API object lives in the content's own window."""
    snippet = (
        str(json_script(state, "kns-package-state"))
        + f'<script src="{static("courses/packages/scorm-api.js")}"></script>'
    ).encode("ascii")
    for pattern in (_HEAD, _HTML_TAG):
        match = pattern.search(content)
        if match:
            return content[: match.end()] + snippet + content[match.end() :]
    return snippet + content


def _origin(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


@require_safe
def package_content(request, token, path):
    grant = selectors.content_grant(token=token)
    if grant is None or (request.user.is_authenticated and request.user.pk != grant.user_id):
        raise Http404
    lesson = live_page(request, LessonPage, grant.lesson_id)
    if lesson is None or grant.package_id not in selectors.lesson_package_ids(lesson=lesson):
        raise Http404
    package = LearningPackage.objects.filter(pk=grant.package_id).first()
    relative = safe_path(path)
    if package is None or relative is None:
        raise Http404
    name = posixpath.join(package.storage_prefix, relative)
    if not default_storage.exists(name):
        raise Http404
    content_type = mimetypes.guess_type(relative)[0] or "application/octet-stream"
    if content_type in _HTML and package.is_scorm:
        user = request.user if request.user.is_authenticated else User.objects.filter(pk=grant.user_id).first()
        if user is None or not user.is_active:
            raise Http404
        with default_storage.open(name) as handle:
            content = handle.read()
        state = selectors.launch_state(grant=grant, user=user, package=package, origin=_origin(request))
        response = HttpResponse(_injected(content, state), content_type=content_type)
        response["Cache-Control"] = "private, no-store"  # it carries the attempt's data
        return _sandboxed(response)
    response = FileResponse(default_storage.open(name), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    # Read by the content's own scripts (XHR) from its opaque origin; the files carry no personal data.
    response["Access-Control-Allow-Origin"] = "*"
    return _sandboxed(response)


def _problem_message(element: str, problem: str) -> str:
    messages = {
        "unknown": _("%(element)s is not an element of the data model."),
        "read-only": _("%(element)s is read-only."),
        "type": _("%(element)s: this value is not allowed."),
        "range": _("%(element)s: this value is out of range."),
    }
    return messages.get(problem, messages["type"]) % {"element": element}


def _refused(status: int, message: str, errors: list | None = None) -> JsonResponse:
    return JsonResponse({"ok": False, "message": message, "errors": errors or []}, status=status)


def _commit_body(request) -> tuple[str, dict, bool] | None:
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict):
        return None
    attempt, values, terminate = body.get("attempt"), body.get("values"), body.get("terminate", False)
    if not isinstance(attempt, str) or not isinstance(values, dict) or not isinstance(terminate, bool):
        return None
    return attempt, values, terminate


@require_POST
@csrf_protect
def package_commit(request, lesson_id, package_id):
    if not request.user.is_authenticated:
        return _refused(403, _("Sign in to save your progress."))
    lesson = live_page(request, LessonPage, lesson_id)
    if lesson is None or package_id not in selectors.lesson_package_ids(lesson=lesson):
        raise Http404
    if course_access_error(user=request.user, course=lesson.course) is not None:
        raise Http404
    package = LearningPackage.objects.filter(pk=package_id).first()
    body = _commit_body(request)
    if package is None:
        raise Http404
    if body is None:
        return _refused(400, _("This request could not be read."))
    token, values, terminate = body
    attempt_uuid = selectors.attempt_token_read(
        token=token, user_id=request.user.pk, lesson_id=lesson.pk, package_id=package.pk
    )
    if attempt_uuid is None:
        raise Http404
    try:
        commit = h5p_services.h5p_attempt_commit if package.standard == Standard.H5P else services.attempt_commit
        outcome = commit(
            user=request.user,
            lesson=lesson,
            package=package,
            attempt_uuid=attempt_uuid,
            values=values,
            terminate=terminate,
        )
    except services.CommitRefused as refusal:
        if refusal.status == 404:
            raise Http404 from None
        errors = [
            {"element": element, "message": _problem_message(element, problem)} for element, problem in refusal.problems
        ]
        return _refused(
            refusal.status,
            refusal.message or _("Nothing was saved: the package sent values SCORM does not allow."),
            errors,
        )
    if outcome.course_completed:
        message = _("Congratulations! You have completed the course.")
    elif outcome.lesson_completed:
        message = _("Lesson complete.")
    else:
        message = outcome.not_recorded or _("Your progress is saved.")
    progress = course_progress_for(request=request, course=lesson.course)
    return JsonResponse(
        {
            "ok": True,
            "lesson_completed": outcome.lesson_completed,
            "course_completed": outcome.course_completed,
            "message": message,
            # The page's header says the course's progress again (package-player.js).
            "progress": {
                "label": _("%(done)s of %(total)s lessons done")
                % {"done": progress.done_count, "total": progress.total},
                "percent": progress.percent,
            },
        }
    )
