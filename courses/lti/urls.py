"""The LTI tool's addresses, under /lti/ (lms/urls.py): give these to the platform (docs/lti.md)."""

from django.urls import path

from . import views

app_name = "lti"

urlpatterns = [
    path("jwks/", views.jwks, name="jwks"),
    path("login/", views.login_initiation, name="login"),
    path("login/<uuid:registration_uuid>/", views.login_initiation, name="login_registration"),
    path("launch/", views.launch, name="launch"),
    path("enter/<str:token>/", views.enter, name="enter"),
    path("deep-link/", views.deep_link, name="deep_link"),
]
