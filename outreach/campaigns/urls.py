from django.urls import path

from . import views

app_name = "campaigns"

# Included at /c/: the short link /c/<code>/ printed on posters (an old /en/c/<code>/ redirects here).
urlpatterns = [
    path("<str:code>/", views.short_link, name="short_link"),
    path("<str:code>/poster/", views.poster, name="poster"),
]
