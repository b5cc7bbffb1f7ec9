"""A civil servant's mandatory training and extension requests (names in the ``courses`` namespace)."""

from django.urls import path

from . import training_views

urlpatterns = [
    path("", training_views.my_training, name="my_training"),
    path("<int:assignment_id>/extension/", training_views.extension_request, name="extension_request"),
    path("extensions/", training_views.extension_decisions, name="extension_decisions"),
    path("extensions/<int:request_id>/decide/", training_views.extension_decide, name="extension_decide"),
]
