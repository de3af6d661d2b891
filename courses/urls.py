"""Public and portal URLs of the courses app (included at the site root, before Wagtail)."""

from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("me/learning/", views.my_learning, name="my_learning"),
    path("me/learning/lessons/<int:lesson_id>/complete/", views.lesson_complete, name="lesson_complete"),
    path("me/learning/courses/<int:course_id>/feedback/", views.course_feedback, name="course_feedback"),
    path("me/learning/policies/<int:policy_id>/acknowledge/", views.policy_acknowledge, name="policy_acknowledge"),
    path("me/learning/scenarios/<int:scenario_id>/play/", views.scenario_play, name="scenario_play"),
    path("me/learning/scenarios/<int:scenario_id>/runs/", views.scenario_run, name="scenario_run"),
    path("me/learning/certificates/<str:code>/", views.certificate, name="certificate"),
    path("certificates/verify/<str:code>/", views.certificate_verify, name="certificate_verify"),
    path("me/notices/", views.notices, name="notices"),
    path("me/notices/read-all/", views.notices_read_all, name="notices_read_all"),
    path("me/notices/<int:notice_id>/", views.notice_open, name="notice_open"),
]
