"""Assisted learning at the counter (``courses`` namespace, under /learn/assisted/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.helper_home, name="assisted_home"),
    path("new-account/", views.new_account, name="assisted_new_account"),
    path("<int:session_id>/", views.session_page, name="assisted_session"),
    path("<int:session_id>/confirm/", views.confirm, name="assisted_confirm"),
    path("<int:session_id>/tutorial/", views.tutorial_done, name="assisted_tutorial"),
    path("<int:session_id>/lesson/", views.lesson_done, name="assisted_lesson"),
    path("<int:session_id>/service/", views.service_done, name="assisted_service"),
    path("<int:session_id>/end/", views.session_end, name="assisted_end"),
    # The training office: who is a helper.
    path("helpers/", views.helpers, name="assisted_helpers"),
    path("helpers/<int:user_id>/revoke/", views.helper_revoke, name="assisted_helper_revoke"),
    # The citizen's side.
    path("helped/", views.my_helpers, name="assisted_mine"),
    path("helped/<int:session_id>/withdraw/", views.withdraw, name="assisted_withdraw"),
]
