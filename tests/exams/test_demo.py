"""The exams part of load_initial_data: a 100-question bank, an open monthly test and a
closed quiz with graded attempts; running it again changes nothing."""

import pytest

from exams.models import Attempt, AttemptStatus, Exam, Question
from home.demo import load_initial_data


@pytest.mark.django_db
def test_demo_exams_are_loaded_once(home_page):
    load_initial_data()
    assert Question.objects.filter(bank__name="窗口服务知识题库").count() >= 100
    monthly = Exam.objects.get(title="本月月度业务测试")
    quiz = Exam.objects.get(title="上月政策法规小测")
    staff = monthly.candidates.get(user__username="staff")
    assert quiz.candidates.filter(pk=staff.pk).exists()
    assert Attempt.objects.filter(exam=quiz, staff=staff, status=AttemptStatus.GRADED).exists()
    attempts = Attempt.objects.filter(exam=quiz).count()
    assert attempts > 5
    assert not Attempt.objects.filter(exam=monthly).exists()
    assert Question.objects.exclude(facility=None).exists()
    load_initial_data()
    assert Attempt.objects.filter(exam=quiz).count() == attempts
    assert Exam.objects.count() == 2
