from django.urls import path

from . import views as certificate_views

app_name = "certificates"

# Included at /certificates/ (one language, no prefix: docs/languages.md).
urlpatterns = [
    path("", certificate_views.certificate_lookup, name="lookup"),
    path("<str:code>/", certificate_views.certificate_verify, name="verify"),
    path("<str:code>/pdf/", certificate_views.certificate_pdf_download, name="pdf"),
    path("<str:code>/issue-again/", certificate_views.certificate_reissue_request, name="reissue"),
]
