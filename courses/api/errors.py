"""The personal API's errors: one JSON shape, translated, with the HTTP semantics programs expect.

``{"error": {"code": "...", "message": "...", "fields": [...]}}``: ``code`` is stable for programs,
``message`` is for people (in the site's language), ``fields`` names the query values refused.
401 carries ``WWW-Authenticate: Bearer`` (RFC 6750), 403 a missing scope, 429 ``Retry-After``.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

NOT_FOUND = gettext_lazy("There is nothing here, or it is not yours.")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, *, retry_after: int | None = None, scope: str = ""):
        super().__init__(code)
        self.status, self.code, self.message = status, code, str(message)
        self.retry_after, self.scope = retry_after, scope


def _body(code: str, message: str, fields: list[dict] | None = None) -> dict:
    error: dict = {"code": code, "message": str(message)}
    if fields is not None:
        error["fields"] = fields
    return {"error": error}


def error_response(api: NinjaAPI, request: HttpRequest, error: ApiError) -> HttpResponse:
    response = api.create_response(request, _body(error.code, error.message), status=error.status)
    if error.status == 401:
        kind = "invalid_request" if error.code in ("missing", "malformed") else "invalid_token"
        response["WWW-Authenticate"] = f'Bearer realm="api", error="{kind}"'
    elif error.status == 403 and error.scope:
        response["WWW-Authenticate"] = f'Bearer realm="api", error="insufficient_scope", scope="{error.scope}"'
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    return response


def _field_name(location: tuple) -> str:
    # Ninja's locations: ("query", "limit") or ("query", "filters", "limit"): the value's own name.
    names = [str(part) for part in location if part not in ("query", "path", "filters", "header", "body")]
    return names[-1] if names else "-"


def handlers_install(api: NinjaAPI) -> None:
    @api.exception_handler(ApiError)
    def api_error(request, exc):
        return error_response(api, request, exc)

    @api.exception_handler(NinjaValidationError)
    def invalid(request, exc):
        fields = sorted({_field_name(tuple(error.get("loc", ()))) for error in exc.errors})
        message = _("These values are not valid: %(names)s.") % {"names": ", ".join(fields)}
        problems = [{"name": name, "message": _("This value is not valid.")} for name in fields]
        return api.create_response(request, _body("invalid_request", message, problems), status=400)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return error_response(api, request, ApiError(401, "missing", _("Send your personal access token.")))

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return api.create_response(
            request, _body("error", _("The request cannot be answered.")), status=exc.status_code
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, _body("not_found", NOT_FOUND), status=404)
