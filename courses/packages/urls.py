"""A learner's packages (names in the ``courses`` namespace, wired by ``courses.urls`` under /learn/)."""

from django.urls import path

from . import views
from .h5p import views as h5p_views

urlpatterns = [
    # The content, sandboxed, under a path of its own (its own policy; docs/packages.md).
    path("package-content/<str:token>/<path:path>", views.package_content, name="package_content"),
    # H5P's player page, in the same sandbox (docs/h5p.md).
    path("package-h5p/<str:token>/", h5p_views.h5p_player, name="package_h5p_player"),
    path("lessons/<int:lesson_id>/packages/<int:package_id>/commit/", views.package_commit, name="package_commit"),
]
