"""The learner's actions and pages (names in the ``courses`` namespace, wired by ``courses.urls``)."""

from django.urls import path

from . import feedback_views, views

urlpatterns = [
    path("my-learning/", views.my_learning, name="my_learning"),
    path("courses/<int:course_id>/enrol/", views.course_enrol, name="course_enrol"),
    path("courses/<int:course_id>/test/", views.course_test_submit, name="course_test_submit"),
    path("lessons/<int:lesson_id>/complete/", views.lesson_complete, name="lesson_complete"),
    path("lessons/<int:lesson_id>/quiz/", views.lesson_quiz_submit, name="lesson_quiz_submit"),
    path("tutorials/<int:tutorial_id>/done/", views.tutorial_done, name="tutorial_done"),
    path("feedback/<int:page_id>/", feedback_views.feedback, name="feedback"),
]
