from django.urls import path

from .delivery import inbox_views

app_name = "outreach"

# Included at /inbox/ (one language, no prefix: docs/languages.md).
urlpatterns = [
    path("", inbox_views.inbox, name="inbox"),
    path("<int:delivery_id>/read/", inbox_views.inbox_read, name="inbox_read"),
    path("read-all/", inbox_views.inbox_read_all, name="inbox_read_all"),
]
