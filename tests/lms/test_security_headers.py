"""Security headers on every response: a strict CSP on the public site, the admin's own policy,
Permissions-Policy, and Django's SecurityMiddleware headers; templates that need no inline style."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.accounts.factories import UserFactory
from tests.courses.factories import course_create, tutorial_create, tutorial_index_create

pytestmark = pytest.mark.django_db

PUBLIC_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "media-src": ["'self'"],  # narration (docs/audio.md)
    "connect-src": ["'self'"],
    "worker-src": ["'self'"],  # /sw.js (docs/offline.md)
    "manifest-src": ["'self'"],
    "frame-src": ["https://www.youtube.com", "https://www.youtube-nocookie.com", "https://player.vimeo.com"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


def assert_common_headers(response):
    assert "camera=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Content-Security-Policy-Report-Only" not in response  # enforced, not only reported


@pytest.fixture
def tutorial(home_page):
    return tutorial_create(tutorial_index_create(home_page), "Đăng ký tài khoản", slug="dang-ky")


def test_public_pages_get_the_strict_policy_rendered_and_from_the_cache(client, tutorial):
    rendered = client.get(tutorial.url)
    cached = client.get(tutorial.url)
    assert cached["X-Page-Cache"] == "hit"
    for response in (rendered, cached):
        assert directives(response) == PUBLIC_POLICY
        assert_common_headers(response)
    policy = rendered["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.parametrize("path", ["/", "/search/?q=vneid", "/certificates/", "/account/sign-in/", "/no-such-page/"])
def test_other_public_responses_get_it_too(client, home_page, path):
    response = client.get(path)
    assert directives(response) == PUBLIC_POLICY
    assert_common_headers(response)


def test_the_admin_gets_its_own_relaxed_policy_without_eval(client, tutorial):
    anonymous = client.get("/admin/login/")
    client.force_login(UserFactory(is_superuser=True))
    for path in ("/admin/", f"/admin/pages/{tutorial.pk}/edit/", "/admin/feedback/"):
        response = client.get(path)
        assert response.status_code == 200, path
        found = directives(response)
        assert found["script-src"] == ["'self'", "'unsafe-inline'"]
        assert found["frame-ancestors"] == ["'self'"]  # the preview panel frames the preview
        assert found["object-src"] == ["'none'"]
        assert found["form-action"] == ["'self'"]
        assert found["connect-src"] == ["'self'"]
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]
        assert_common_headers(response)
    assert directives(anonymous)["frame-ancestors"] == ["'self'"]
    assert_common_headers(anonymous)


def test_a_course_page_with_its_progress_bar_needs_no_inline_style(client, home_page):
    course = course_create(home_page)
    client.force_login(UserFactory())
    html = client.get(course.url).content.decode()
    assert " style=" not in html and "<style" not in html


# Templates of the public site: no inline style or script (the CSP would block them). The admin's
# templates and those rendered to PDF (WeasyPrint, never a browser) are exempt.
EXEMPT = re.compile(r"/admin/|_pdf\.html$|campaign_poster\.html$|compliance_style\.html$|_email|\.txt$")
# A script file (``<script src=…>``, docs/offline.md) is allowed; a script written in the page is not.
INLINE = re.compile(r"\sstyle=|<style|<script(?![^>]*\ssrc=)|\son[a-z]+=")


def test_public_templates_have_no_inline_style_or_script():
    root = Path(settings.BASE_DIR) / "templates"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if not EXEMPT.search(str(path)) and INLINE.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# CSRF audit: every view that skips Django's CSRF check, and why (docs/deployment.md, "CSRF").
JUSTIFIED_CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail clients POST with no form and no cookie; the signed,
    # expiring token in the address is what authorises it.
    "unsubscribe/<str:token>/": "outreach.campaigns.tracking.campaign_unsubscribe",
    # csrf_protect_signed_in: checked for signed-in people; an anonymous visitor's action is written
    # only to their own session, which a cross-site request cannot reach (SameSite=Lax cookie).
    "learn/courses/<int:course_id>/enrol/": "courses.learning.views.course_enrol",
    "learn/courses/<int:course_id>/test/": "courses.learning.views.course_test_submit",
    "learn/lessons/<int:lesson_id>/complete/": "courses.learning.views.lesson_complete",
    "learn/lessons/<int:lesson_id>/quiz/": "courses.learning.views.lesson_quiz_submit",
    "learn/tutorials/<int:tutorial_id>/done/": "courses.learning.views.tutorial_done",
    # Zalo's delivery webhook: a server-to-server POST with no session; the X-ZEvent-Signature MAC over
    # the body with the OA's secret key is what authorises it (docs/zalo.md).
    "hooks/zalo/": "outreach.delivery.zalo.webhook.zalo_webhook",
    # LTI 1.3 (docs/lti.md): the platform's cross-site login initiation and id_token form_post arrive without
    # our cookies; the OIDC state (a SameSite=None cookie of its own), the nonce used once and the platform's
    # RS256 signature over the id_token replace CSRF there. The deep-linking picker posts from inside the
    # platform's frame, where the Lax CSRF cookie is not sent: its unguessable one-time token replaces it.
    "lti/login/": "courses.lti.views.login_initiation",
    "lti/login/<uuid:registration_uuid>/": "courses.lti.views.login_initiation",
    "lti/launch/": "courses.lti.views.launch",
    "lti/deep-link/": "courses.lti.views.deep_link",
    # The content API (Wagtail API v2 on Django REST framework, whose views skip Django's check): GET only,
    # no session or other sign-in at all, the same answer for everyone (docs/api.md).
    **{
        f"api/v2/^{name}/{tail}": f"home.api.endpoints.{endpoint}"
        for name, endpoint in (
            ("pages", "PagesEndpoint"),
            ("images", "ImagesEndpoint"),
            ("documents", "DocumentsEndpoint"),
        )
        for tail in ("", "<int:pk>/", "find/")
    },
    # The personal API (django-ninja): GET only, authorised by the Authorization header's token, which a
    # cross-site page cannot make a browser send; no cookie is read (docs/api.md).
    **{
        f"api/me/v1/{path}": "ninja.operation.PathView.get_view.<locals>.sync_view_wrapper"
        for path in (
            "profile",
            "enrolments",
            "enrolments/<enrolment_id>",
            "lesson-completions",
            "quiz-attempts",
            "training-assignments",
            "training-assignments/<assignment_id>",
            "certificates",
            "certificates/<certificate_id>",
            "certificates/<certificate_id>/pdf",
        )
    },
}


def _patterns(patterns, prefix=""):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.callback


def test_only_the_justified_views_skip_the_csrf_check():
    from django.urls import get_resolver

    exempt = {
        path: f"{callback.__module__}.{callback.__qualname__}"
        for path, callback in _patterns(get_resolver().url_patterns)
        if getattr(callback, "csrf_exempt", False)
        # Wagtail's admin API (Django REST framework): its SessionAuthentication checks the token itself.
        and not path.startswith("admin/api/")
    }
    assert exempt == JUSTIFIED_CSRF_EXEMPT
    assert "learn/feedback/<int:page_id>/" not in exempt  # the anonymous write to a shared table


def test_the_session_cookie_is_not_sent_on_cross_site_posts():
    assert settings.SESSION_COOKIE_SAMESITE in {"Lax", "Strict"}
