"""A unit manager's view of their units' training (names in the ``courses`` namespace)."""

from django.urls import path

from . import team_views

urlpatterns = [
    path("", team_views.team, name="team"),
    path("export/<str:fmt>/", team_views.team_export, name="team_export"),
    path("export/summary/<str:fmt>/", team_views.team_summary_export, name="team_summary_export"),
]
