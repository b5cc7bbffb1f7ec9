"""A civil servant's mandatory training and extension requests, and a unit manager's team page.

Names in the ``courses`` namespace: ``courses.urls`` includes ``urlpatterns`` at training/ and
``team_urlpatterns`` at team/.
"""

from django.urls import path

from . import team_views, views

urlpatterns = [
    path("", views.my_training, name="my_training"),
    path("<int:assignment_id>/extension/", views.extension_request, name="extension_request"),
    path("extensions/", views.extension_decisions, name="extension_decisions"),
    path("extensions/<int:request_id>/decide/", views.extension_decide, name="extension_decide"),
]

team_urlpatterns = [
    path("", team_views.team, name="team"),
    path("export/<str:fmt>/", team_views.team_export, name="team_export"),
    path("export/summary/<str:fmt>/", team_views.team_summary_export, name="team_summary_export"),
]
