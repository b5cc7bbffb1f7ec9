from django.urls import path

from . import views

app_name = "campaigns"

# Included at /c/ inside i18n_patterns: the short link /c/<code>/ printed on posters (Vietnamese),
# /en/c/<code>/ in English.
urlpatterns = [
    path("<str:code>/", views.short_link, name="short_link"),
    path("<str:code>/poster/", views.poster, name="poster"),
]
