"""The site's URLs with the uploaded files (renditions) served, for browser tests that show pictures: the
test settings run without ``DEBUG``, and a proxy serves ``/media/`` in production."""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from lms.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    *site_urlpatterns,
]
