"""core.security: the fixed policies built once, django-csp's own path when a view asks for more."""

from csp.constants import NONCE
from csp.decorators import csp_update
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from core.security import SecurityHeadersMiddleware


def respond(path, view=None, **attrs):
    request = RequestFactory().get(path)
    for name, value in attrs.items():
        setattr(request, name, value)
    middleware = SecurityHeadersMiddleware(view or (lambda request: HttpResponse("ok")))
    return middleware(request)


def directives(response):
    return {part.split()[0]: part.split()[1:] for part in response["Content-Security-Policy"].split("; ")}


def test_public_and_admin_paths_get_their_policies():
    assert directives(respond("/huong-dan/"))["script-src"] == ["'self'"]
    assert directives(respond("/admin/pages/"))["script-src"] == ["'self'", "'unsafe-inline'"]
    assert respond("/").get("Permissions-Policy").startswith("camera=(), microphone=()")


def test_a_view_decorated_by_django_csp_gets_its_update():
    view = csp_update({"img-src": ["https://tile.example.vn"]})(lambda request: HttpResponse("ok"))
    assert directives(respond("/huong-dan/", view))["img-src"] == ["'self'", "https://tile.example.vn"]


def test_a_nonce_used_by_the_view_is_in_the_policy_when_a_directive_allows_nonces():
    def view(request):
        return HttpResponse(f'<script nonce="{request.csp_nonce}"></script>')

    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"script-src": ["'self'", NONCE]}}):
        response = respond("/huong-dan/", view)
    nonce = response.content.decode().split('"')[1]
    assert directives(response)["script-src"] == ["'self'", f"'nonce-{nonce}'"]


def test_wagtails_preview_request_gets_no_header_of_its_own():
    response = respond("/huong-dan/", is_dummy=True)
    assert "Content-Security-Policy" not in response
    assert "Permissions-Policy" not in response


def test_a_settings_change_is_seen():
    with override_settings(PERMISSIONS_POLICY={"camera": ["self"]}):
        assert respond("/").get("Permissions-Policy") == "camera=(self)"
    assert respond("/").get("Permissions-Policy").startswith("camera=()")
