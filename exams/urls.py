"""Public and portal URLs of the exams app (included at the site root, before Wagtail)."""

from django.urls import path

from . import views

app_name = "exams"

urlpatterns = [
    path("me/exams/", views.my_exams, name="mine"),
    path("me/exams/<int:exam_id>/", views.exam_detail, name="exam"),
    path("me/exams/<int:exam_id>/start/", views.exam_start, name="start"),
    path("me/exams/attempts/<int:attempt_id>/", views.attempt_take, name="take"),
    path("me/exams/attempts/<int:attempt_id>/answer/", views.attempt_save, name="save"),
    path("me/exams/attempts/<int:attempt_id>/submit/", views.attempt_submit, name="submit"),
    path("me/exams/attempts/<int:attempt_id>/result/", views.attempt_result, name="result"),
]
