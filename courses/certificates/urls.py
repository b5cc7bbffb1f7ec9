from django.urls import path

from . import views as certificate_views
from .badges import views as badge_views

app_name = "certificates"

# Included at /certificates/ (one language, no prefix: docs/languages.md).
urlpatterns = [
    path("", certificate_views.certificate_lookup, name="lookup"),
    # Open Badges 3.0 (docs/badges.md): the keys, the issuer, achievements and status lists, then per code.
    path("badges/keys/", badge_views.badge_keys, name="badge_keys"),
    path("badges/keys/<str:thumbprint>/", badge_views.badge_key, name="badge_key"),
    path("badges/issuer/", badge_views.badge_issuer, name="badge_issuer"),
    path("badges/achievements/<int:course_id>/", badge_views.badge_achievement, name="badge_achievement"),
    path("badges/status/<int:number>/", badge_views.badge_status, name="badge_status"),
    path("<str:code>/badge/", badge_views.badge_jwt, name="badge"),
    path("<str:code>/badge.json", badge_views.badge_json, name="badge_json"),
    path("<str:code>/", certificate_views.certificate_verify, name="verify"),
    path("<str:code>/pdf/", certificate_views.certificate_pdf_download, name="pdf"),
    path("<str:code>/issue-again/", certificate_views.certificate_reissue_request, name="reissue"),
]
