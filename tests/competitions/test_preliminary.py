"""A knowledge round held online: the registration list sits the round's exam, and the
graded percentages of the closed exam become the round's scores (versioned, idempotent)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from competitions.models import Entry, Round, RoundState, ScoreSheet, ScoreSheetVersion
from competitions.models.entries import EntryRemark
from competitions.selectors import round_standings
from competitions.services import (
    competition_import_file,
    round_exam_candidates_sync,
    round_exam_scores_collect,
    round_scores_import_file,
)
from exams import services as exam_services
from exams.models import Attempt, ExamCandidate
from tests.exams.builders import make_bank, make_exam, make_fixed_paper, make_question

pytestmark = pytest.mark.django_db


@pytest.fixture
def knowledge_round(roster, sample_bytes):
    assert competition_import_file(sample_bytes("competition_2026.xlsx"), "c.xlsx", dry_run=False).ok
    bank = make_bank()
    paper = make_fixed_paper([make_question(bank, answer="B") for _ in range(4)])
    # The organiser creates the exam for anyone; syncing makes the registration list its audience.
    exam = make_exam(paper, title="2026年技能竞赛初赛", individuals=[roster["CD1007"]])
    rnd = Round.objects.get(code="ZS")
    rnd.exam = exam
    rnd.full_clean()
    rnd.save()
    return rnd


def sit(exam, staff, right):
    """The person answers `right` of the four questions correctly and submits."""
    attempt = exam_services.attempt_start(exam=exam, staff=staff)
    for position in range(4):
        exam_services.attempt_save_answer(
            attempt=attempt, position=position, response=["B" if position < right else "C"], seq=position + 1
        )
    exam_services.attempt_close(attempt=attempt)
    return attempt


def after_close(rnd):
    return rnd.exam.closes_at + timedelta(minutes=1)


def test_the_registration_list_sits_the_exam_except_withdrawn_entrants(knowledge_round, roster):
    Entry.objects.filter(staff__staff_no="CD1012").update(remark=EntryRemark.WITHDRAWN)
    added = round_exam_candidates_sync(round=knowledge_round)
    candidates = set(ExamCandidate.objects.filter(exam=knowledge_round.exam).values_list("staff__staff_no", flat=True))
    assert added == 9  # CD1007 was the placeholder audience and has no attempt: they leave
    assert candidates == {"CD1001", "CD1003", "CD1005", "CD1009", "CD1011", "CD1002", "CD1004", "CD1006", "CD1010"}
    # Someone not registered cannot start the contest exam.
    with pytest.raises(PermissionDenied):
        exam_services.attempt_start(exam=knowledge_round.exam, staff=roster["CD1007"])
    assert round_exam_candidates_sync(round=knowledge_round) == 0


def test_closed_exam_scores_become_the_round_scores_once(knowledge_round, roster):
    round_exam_candidates_sync(round=knowledge_round)
    sit(knowledge_round.exam, roster["CD1001"], right=3)
    sit(knowledge_round.exam, roster["CD1003"], right=4)

    with pytest.raises(ValidationError, match="结束"):
        round_exam_scores_collect(round=knowledge_round)

    result, absent = round_exam_scores_collect(round=knowledge_round, now=after_close(knowledge_round))
    assert result.ok and result.created == 2
    assert absent == ["CD1002", "CD1004", "CD1005", "CD1006", "CD1009", "CD1010", "CD1011", "CD1012"]
    scores = dict(ScoreSheet.objects.filter(round=knowledge_round).values_list("entry__staff__staff_no", "total"))
    assert scores == {"CD1001": Decimal("75.00"), "CD1003": Decimal("100.00")}
    best = round_standings(round=knowledge_round)[0]
    assert best[0].staff.staff_no == "CD1003" and best[1].score == Decimal("100.00")
    knowledge_round.refresh_from_db()
    assert knowledge_round.state == RoundState.REVIEW

    again, _absent = round_exam_scores_collect(round=knowledge_round, now=after_close(knowledge_round))
    assert again.ok and again.created == again.updated == 0 and again.unchanged == 2

    # A regrade in the exam (a key corrected) reaches the round as a new version, not a silent edit.
    Attempt.objects.filter(exam=knowledge_round.exam, staff=roster["CD1001"]).update(percent=Decimal("87.50"))
    changed, _absent = round_exam_scores_collect(round=knowledge_round, now=after_close(knowledge_round))
    assert changed.updated == 1
    sheet = ScoreSheet.objects.get(round=knowledge_round, entry__staff__staff_no="CD1001")
    assert sheet.total == Decimal("87.50") and sheet.version == 2
    assert list(ScoreSheetVersion.objects.filter(sheet=sheet).order_by("number").values_list("total", flat=True)) == [
        Decimal("75.00"),
        Decimal("87.50"),
    ]


def test_a_dry_run_writes_nothing_and_a_confirmed_round_refuses(knowledge_round, roster):
    round_exam_candidates_sync(round=knowledge_round)
    sit(knowledge_round.exam, roster["CD1001"], right=2)
    preview, _absent = round_exam_scores_collect(round=knowledge_round, dry_run=True, now=after_close(knowledge_round))
    assert preview.ok and preview.created == 1
    assert not ScoreSheet.objects.filter(round=knowledge_round).exists()

    Round.objects.filter(pk=knowledge_round.pk).update(state=RoundState.CONFIRMED)
    knowledge_round.refresh_from_db()
    refused, _absent = round_exam_scores_collect(round=knowledge_round, now=after_close(knowledge_round))
    assert not refused.ok and "已确认" in str(refused.errors[0]) and "重新打开" in str(refused.errors[0])
    assert not ScoreSheet.objects.filter(round=knowledge_round).exists()


def test_only_a_round_with_an_exam_collects_from_one(knowledge_round):
    practical = Round.objects.get(code="SC")
    with pytest.raises(ValidationError):
        round_exam_candidates_sync(round=practical)
    with pytest.raises(ValidationError):
        round_exam_scores_collect(round=practical)


def test_offline_written_scores_still_import_into_an_online_round(knowledge_round, sample_bytes):
    """An organiser may still import a written round's file (e.g. candidates who sat on paper)."""
    result = round_scores_import_file(
        sample_bytes("competition_2026_scores_ZS.xlsx"), "zs.xlsx", competition_code="JS2026", round_code="ZS",
        dry_run=False,
    )
    assert result.ok and result.created == 10
