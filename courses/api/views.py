"""The personal API, version 1 (``/api/me/v1/``, docs/api.md): read-only, the token's owner's data only.

Each endpoint parses its query (ninja and the schemas), checks the token's scope and calls one
selector; an id that is not the owner's is a 404, as is an id that does not exist.
"""

import datetime
from typing import Annotated

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from ninja import Field, NinjaAPI, Query

from ..certificates.services import certificate_pdf
from . import selectors
from .auth import TokenAuth, scope_required
from .errors import NOT_FOUND, ApiError, handlers_install
from .schemas import (
    AssignmentList,
    AssignmentOut,
    CertificateList,
    CertificateOut,
    EnrolmentDetailOut,
    EnrolmentList,
    ErrorOut,
    LessonCompletionList,
    PageParams,
    ProfileOut,
    QuizSummaryList,
)
from .scopes import CERTIFICATES_READ, PROGRESS_READ, TRAINING_READ

DESCRIPTION = (
    "A person's own progress, mandatory training and certificates on Kỹ Năng Số, for the provincial portal "
    "or a mobile app. Authenticate with a personal access token made on the account page "
    "(`Authorization: Bearer kns_…`); each endpoint needs the scope its security requirement names. "
    'Read-only. Errors: `{"error": {"code", "message", "fields"}}`; 429 carries `Retry-After`.'
)


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    return response


class PersonalAPI(NinjaAPI):
    def create_response(self, request, data, *, status=None, temporal_response=None):
        # One person's data, errors included: never kept by a browser or a proxy.
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        return _private(response)


api = PersonalAPI(
    title="Kỹ Năng Số: personal API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api_me_v1",
    auth=TokenAuth(),
    # The schema is the documentation; ninja's Swagger page would load scripts from a CDN (our CSP forbids it).
    docs_url=None,
    openapi_url="/openapi.json",
)
handlers_install(api)

# An id in the query (a course's): a positive 64-bit number, or a clear 400.
QueryId = Annotated[int, Field(ge=1, le=2**63 - 1)]

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}


def _security(scope: str) -> dict:
    # OpenAPI 3.1 lets a non-OAuth scheme's requirement name the roles it needs: here, the token's scope.
    return {"security": [{"TokenAuth": [scope]}]}


def _found(row):
    if row is None:
        raise ApiError(404, "not_found", NOT_FOUND)
    return row


@api.get("/profile", response={200: ProfileOut, **ERRORS}, openapi_extra=_security("profile:read"), tags=["profile"])
def profile(request: HttpRequest):
    """Your name, contact details, unit and a count of your learning."""
    token = scope_required(request, "profile:read")
    return selectors.profile_summary(user=token.user)


@api.get(
    "/enrolments", response={200: EnrolmentList, **ERRORS}, openapi_extra=_security(PROGRESS_READ), tags=["progress"]
)
def enrolments(request: HttpRequest, page: Query[PageParams], completed: bool | None = None):
    """Your courses, latest activity first, with the lessons done and the next one."""
    token = scope_required(request, PROGRESS_READ)
    count, items = selectors.enrolments_of(user=token.user, offset=page.offset, limit=page.limit, completed=completed)
    return {"count": count, "items": items}


@api.get(
    "/enrolments/{enrolment_id}",
    response={200: EnrolmentDetailOut, **ERRORS},
    openapi_extra=_security(PROGRESS_READ),
    url_name="enrolment",
    tags=["progress"],
)
def enrolment(request: HttpRequest, enrolment_id: int):
    """One of your courses: every lesson's state and the final test's."""
    token = scope_required(request, PROGRESS_READ)
    return _found(selectors.enrolment_of(user=token.user, enrolment_id=enrolment_id))


@api.get(
    "/lesson-completions",
    response={200: LessonCompletionList, **ERRORS},
    openapi_extra=_security(PROGRESS_READ),
    tags=["progress"],
)
def lesson_completions(
    request: HttpRequest, page: Query[PageParams], course: QueryId | None = None, since: datetime.datetime | None = None
):
    """The lessons you completed, latest first; ``course`` (a course's id) and ``since`` (a moment) narrow it."""
    token = scope_required(request, PROGRESS_READ)
    count, items = selectors.lesson_completions_of(
        user=token.user, offset=page.offset, limit=page.limit, course_id=course, since=since
    )
    return {"count": count, "items": items}


@api.get(
    "/quiz-attempts",
    response={200: QuizSummaryList, **ERRORS},
    openapi_extra=_security(PROGRESS_READ),
    tags=["progress"],
)
def quiz_attempts(request: HttpRequest, course: QueryId | None = None):
    """Per quiz: how many attempts, the best and last score, passed or not (never the answers)."""
    token = scope_required(request, PROGRESS_READ)
    return {"items": selectors.quiz_summary_of(user=token.user, course_id=course)}


@api.get(
    "/training-assignments",
    response={200: AssignmentList, **ERRORS},
    openapi_extra=_security(TRAINING_READ),
    tags=["training"],
)
def assignments(request: HttpRequest, current: bool = True):
    """Your mandatory training, soonest due first; ``current=false`` adds past cycles."""
    token = scope_required(request, TRAINING_READ)
    return {"items": selectors.assignments_of(user=token.user, current=current)}


@api.get(
    "/training-assignments/{assignment_id}",
    response={200: AssignmentOut, **ERRORS},
    openapi_extra=_security(TRAINING_READ),
    url_name="assignment",
    tags=["training"],
)
def assignment(request: HttpRequest, assignment_id: int):
    token = scope_required(request, TRAINING_READ)
    return _found(selectors.assignment_of(user=token.user, assignment_id=assignment_id))


@api.get(
    "/certificates",
    response={200: CertificateList, **ERRORS},
    openapi_extra=_security(CERTIFICATES_READ),
    tags=["certificates"],
)
def certificates(request: HttpRequest):
    """Your certificates, newest first, with their status, public verification page and PDF."""
    token = scope_required(request, CERTIFICATES_READ)
    return {"items": selectors.certificates_of(user=token.user)}


@api.get(
    "/certificates/{certificate_id}",
    response={200: CertificateOut, **ERRORS},
    openapi_extra=_security(CERTIFICATES_READ),
    url_name="certificate",
    tags=["certificates"],
)
def certificate(request: HttpRequest, certificate_id: int):
    token = scope_required(request, CERTIFICATES_READ)
    found = _found(selectors.certificate_of(user=token.user, certificate_id=certificate_id))
    return selectors.certificate_row(certificate=found)


PDF_RESPONSE = {
    "responses": {
        "200": {
            "description": "The certificate as printed (PDF).",
            # OpenAPI 3.1: binary content is a media type without a schema.
            "content": {"application/pdf": {}},
        }
    }
}


@api.get(
    "/certificates/{certificate_id}/pdf",
    response={200: None, **ERRORS},
    openapi_extra={**_security(CERTIFICATES_READ), **PDF_RESPONSE},
    url_name="certificate_pdf",
    tags=["certificates"],
)
def certificate_pdf_view(request: HttpRequest, certificate_id: int):
    """The certificate's PDF; a revoked or superseded one has none (404), as on the site."""
    token = scope_required(request, CERTIFICATES_READ)
    found = selectors.certificate_of(user=token.user, certificate_id=certificate_id)
    if found is None or found.revoked_at is not None or found.superseded_at is not None:
        raise ApiError(404, "not_found", NOT_FOUND)
    response = HttpResponse(certificate_pdf(certificate=found), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="chung-chi-{found.code}.pdf"'
    return _private(response)
