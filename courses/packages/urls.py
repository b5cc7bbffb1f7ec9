"""A learner's packages (names in the ``courses`` namespace, wired by ``courses.urls`` under /learn/)."""

from django.urls import path

from . import views

urlpatterns = [
    # The content, sandboxed, under a path of its own (its own policy; docs/packages.md).
    path("package-content/<str:token>/<path:path>", views.package_content, name="package_content"),
    path("lessons/<int:lesson_id>/packages/<int:package_id>/commit/", views.package_commit, name="package_commit"),
]
