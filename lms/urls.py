from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from core import offline, seo
from core import views as core_views
from courses.api.views import api as personal_api
from home.api import views as content_api_views
from home.api.urls import api_router
from home.search import views as search_views
from outreach.campaigns import tracking as campaign_tracking
from outreach.delivery.zalo import webhook as zalo_webhook

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    # The APIs (docs/api.md): Wagtail's read-only content API and the personal API (versioned); any
    # other address under /api/ is a JSON 404, before Wagtail's catch-all (no page can take /api/).
    path("api/v2/", api_router.urls),
    path("api/me/v1/", personal_api.urls),
    path("api", content_api_views.api_not_found, name="api_not_found"),
    path("api/", content_api_views.api_not_found, name="api_not_found_index"),
    path("api/<path:rest>", content_api_views.api_not_found, name="api_not_found_below"),
    path("readyz", core_views.readyz, name="readyz"),
    # Before Wagtail's admin: its password reset, rate-limited and logged (accounts.admin_password_reset).
    path("admin/password_reset/", include("accounts.admin_password_reset")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # For crawlers and browsers, without Wagtail: no template, no query (the sitemap once per publication).
    path("robots.txt", seo.robots_txt, name="robots_txt"),
    path("favicon.ico", seo.favicon, name="favicon"),
    path("sitemap.xml", seo.sitemap_xml, name="sitemap"),
    # Offline reading and queued submissions (docs/offline.md): the worker's scope is the whole site.
    path("sw.js", offline.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline.web_manifest, name="web_manifest"),
    path("offline/", offline.offline_page, name="offline"),
    path("offline/session", offline.offline_session, name="offline_session"),
    # Campaign messages' signed links (the same in every language).
    path("r/<str:token>/", campaign_tracking.campaign_link, name="campaign_link"),
    path("unsubscribe/<str:token>/", campaign_tracking.campaign_unsubscribe, name="campaign_unsubscribe"),
    # The same links, short, in SMS (outreach/campaigns/links.py): no trailing slash, every character counts.
    path("s/<str:token>", campaign_tracking.campaign_short, name="campaign_short"),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# One language, Vietnamese, without a prefix (docs/languages.md); the old English addresses (/en/…)
# are redirected before any of this (core.i18n.RetiredLanguagePrefixMiddleware).
urlpatterns += [
    path("search/", search_views.search, name="search"),
    path("account/", include("accounts.urls")),
    path("learn/", include("courses.urls")),
    path("certificates/", include("courses.certificates.urls")),
    path("inbox/", include("outreach.urls")),
    # Zalo's delivery events (signed; docs/zalo.md).
    path("hooks/zalo/", zalo_webhook.zalo_webhook, name="zalo_webhook"),
    # The LTI 1.3 tool: JWKS, OIDC login, launch, hand-over, deep linking (docs/lti.md).
    path("lti/", include("courses.lti.urls")),
    path("c/", include("outreach.campaigns.urls")),
    # Public transparency page (insights): "minh bạch" is "transparency".
    path("minh-bach/", include("insights.urls")),
    path("", include(wagtail_urls)),
]
