from django.urls import path

from . import campaign_views

app_name = "campaigns"

# Included at /c/ inside i18n_patterns: the short link /c/<code>/ printed on posters (Vietnamese),
# /en/c/<code>/ in English.
urlpatterns = [
    path("<str:code>/", campaign_views.short_link, name="short_link"),
    path("<str:code>/poster/", campaign_views.poster, name="poster"),
]
