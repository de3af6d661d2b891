"""`manage.py exams_housekeeping` (for cron): closes expired attempts and adds new members of
open exams' audiences, says what it did, and does nothing new when run again."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from exams import services
from exams.models import Attempt, AttemptStatus, ExamCandidate
from tests import factories as base

from .builders import make_exam, make_fixed_paper, make_standard_questions

pytestmark = pytest.mark.django_db


def run():
    out = StringIO()
    call_command("exams_housekeeping", stdout=out)
    return out.getvalue()


def test_housekeeping_closes_expired_attempts_and_syncs_audiences(staff_member, centre):
    exam = make_exam(make_fixed_paper(make_standard_questions()), centres=[centre], title="十二月月度测试")
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    services.attempt_save_answer(attempt=attempt, position=0, response=["B"], seq=1)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=5))
    newcomer = base.make_staff(centre=centre)
    closed_exam = make_exam(make_fixed_paper(make_standard_questions()), centres=[centre], opens_in=timedelta(days=-3),
                            closes_in=timedelta(days=-1))
    later = base.make_staff(centre=centre)

    output = run()
    assert "1" in output.splitlines()[0]
    assert "十二月月度测试" in output
    attempt.refresh_from_db()
    assert attempt.status != AttemptStatus.IN_PROGRESS and attempt.timed_out and attempt.score == 2
    assert ExamCandidate.objects.filter(exam=exam, staff__in=[newcomer, later]).count() == 2
    # A closed exam's audience is left as it was.
    assert not ExamCandidate.objects.filter(exam=closed_exam, staff=later).exists()

    again = run()
    assert "十二月月度测试" not in again
    assert [line.rstrip()[-1] for line in again.splitlines()] == ["0", "0"]
