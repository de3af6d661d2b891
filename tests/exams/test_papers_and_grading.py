"""Blueprint papers, manual grading, regrades and full marks, item statistics, the selector."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from exams import selectors, services
from exams.models import (
    AttemptStatus,
    BlueprintRule,
    Category,
    GradingLog,
    Paper,
    PaperKind,
    Question,
    ScoringRule,
)
from tests import factories as base

from .builders import make_bank, make_exam, make_fixed_paper, make_question, make_standard_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def blueprint():
    bank = make_bank()
    easy = Category.objects.create(bank=bank, name="好差评")
    hard = Category.objects.create(bank=bank, name="政策法规")
    for _ in range(10):
        make_question(bank, category=easy, difficulty=1)
    for _ in range(6):
        make_question(bank, category=hard, difficulty=4, qtype="truefalse", options=(), answer="错")
    paper = Paper.objects.create(title="蓝图", kind=PaperKind.BLUEPRINT, forms=2)
    BlueprintRule.objects.create(paper=paper, bank=bank, category=easy, difficulty=1, qtype="single", count=4,
                                 points=Decimal("5"))
    BlueprintRule.objects.create(paper=paper, bank=bank, qtype="truefalse", count=3)
    BlueprintRule.objects.create(paper=paper, bank=bank, count=2)
    return paper


def test_blueprint_draws_per_rule_without_repeats(blueprint):
    for seed in range(20):
        drawn = services.draw_paper(blueprint, rng=random.Random(seed), form="A")
        ids = [q.pk for q, _p in drawn]
        assert len(ids) == 9 and len(set(ids)) == 9
        assert [p for _q, p in drawn[:4]] == [Decimal("5")] * 4
        # What is drawn is what the rules ask for (the draw carries keys and types, not the text).
        questions = Question.objects.in_bulk(ids)
        assert all(questions[q.pk].qtype == q.qtype == "single" and questions[q.pk].difficulty == 1 for q, _p in drawn[:4])
        assert all(questions[q.pk].qtype == "truefalse" for q, _p in drawn[4:7])


def test_parallel_forms_differ_and_the_same_seed_draws_the_same(blueprint):
    a = [q.pk for q, _p in services.draw_paper(blueprint, rng=random.Random(7), form="A")][:4]
    b = [q.pk for q, _p in services.draw_paper(blueprint, rng=random.Random(7), form="B")][:4]
    assert not set(a) & set(b)
    again = [q.pk for q, _p in services.draw_paper(blueprint, rng=random.Random(7), form="A")][:4]
    assert a == again


def test_a_rule_the_bank_cannot_fill_is_refused(blueprint):
    rule = blueprint.rules.first()
    rule.count = 50
    rule.save()
    with pytest.raises(ValidationError):
        services.draw_paper(blueprint, rng=random.Random(1))


def graded_attempt(exam, staff, responses):
    attempt = services.attempt_start(exam=exam, staff=staff)
    for position, response in responses.items():
        services.attempt_save_answer(attempt=attempt, position=position, response=response, seq=position + 1)
    services.attempt_close(attempt=attempt)
    attempt.refresh_from_db()
    return attempt


def test_manual_grading_completes_the_attempt_and_is_logged(staff_member):
    questions = make_standard_questions()
    exam = make_exam(make_fixed_paper(questions), individuals=[staff_member])
    attempt = graded_attempt(exam, staff_member, {0: ["B"], 4: "先安抚情绪"})
    assert attempt.status == AttemptStatus.PENDING
    queue = list(selectors.grading_queue(exam=exam))
    assert [i.position for i in queue] == [4]
    grader = base.make_user()
    with pytest.raises(ValidationError):
        services.item_grade_manual(item=queue[0], score=Decimal("11"), comment="", user=grader)
    services.item_grade_manual(item=queue[0], score=Decimal("7.5"), comment="要点基本齐全", user=grader)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    assert attempt.score == Decimal("9.50") and attempt.percent == Decimal("52.78") and attempt.passed is False
    log = GradingLog.objects.get(action="manual")
    assert log.by == grader and log.details["after"] == "7.50"


def test_regrade_after_key_correction_uses_the_new_version(staff_member, other_staff):
    question = make_question(answer="B")
    exam = make_exam(make_fixed_paper([question]), individuals=[staff_member, other_staff])
    said_b = graded_attempt(exam, staff_member, {0: ["B"]})
    said_c = graded_attempt(exam, other_staff, {0: ["C"]})
    assert (said_b.score, said_c.score) == (Decimal("2.00"), Decimal("0.00"))
    question.answer = "C"
    question.full_clean()
    services.question_save(question=question)
    trainer = base.make_user()
    changed = services.question_regrade(exam=exam, question=question, user=trainer, reason="答案有误，应为C")
    assert changed == 2
    said_b.refresh_from_db()
    said_c.refresh_from_db()
    assert (said_b.score, said_c.score) == (Decimal("0.00"), Decimal("2.00"))
    assert said_c.items.get().version.number == 2
    log = GradingLog.objects.get(action="regrade")
    assert log.reason == "答案有误，应为C" and log.by == trainer
    with pytest.raises(ValidationError):
        services.question_regrade(exam=exam, question=question, user=trainer, reason="")


def test_full_marks_for_a_faulty_question(staff_member, other_staff):
    questions = [make_question(answer="B"), make_question(answer="A")]
    exam = make_exam(make_fixed_paper(questions), individuals=[staff_member, other_staff])
    first = graded_attempt(exam, staff_member, {0: ["C"], 1: ["A"]})
    second = graded_attempt(exam, other_staff, {})
    services.question_full_marks(exam=exam, question=questions[0], user=base.make_user(), reason="题干有歧义")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.score == Decimal("4.00") and second.score == Decimal("2.00")
    assert GradingLog.objects.filter(action="full_marks", reason="题干有歧义").count() == 1


def test_full_marks_stay_through_later_regrades_and_later_closes(staff_member, other_staff):
    question = make_question(answer="B")
    exam = make_exam(make_fixed_paper([question]), individuals=[staff_member, other_staff])
    wrong = graded_attempt(exam, staff_member, {0: ["C"]})
    in_progress = services.attempt_start(exam=exam, staff=other_staff)
    services.attempt_save_answer(attempt=in_progress, position=0, response=["A"], seq=1)
    trainer = base.make_user()
    assert services.question_full_marks(exam=exam, question=question, user=trainer, reason="选项有误") == 1
    wrong.refresh_from_db()
    assert wrong.score == Decimal("2.00")
    # The key is corrected afterwards and the question regraded: the full marks stay.
    question.answer = "C"
    question.full_clean()
    services.question_save(question=question)
    services.question_regrade(exam=exam, question=question, user=trainer, reason="答案改为C")
    question.answer = "D"
    question.full_clean()
    services.question_save(question=question)
    assert services.question_regrade(exam=exam, question=question, user=trainer, reason="答案改为D") == 0
    wrong.refresh_from_db()
    assert wrong.score == Decimal("2.00") and wrong.items.get().version.number == 3
    log = GradingLog.objects.filter(action="regrade").first()
    assert log.details["kept_full_marks"] == 1 and log.details["changed"] == 0
    # An attempt closed after the decision gets the full marks too.
    services.attempt_close(attempt=in_progress)
    in_progress.refresh_from_db()
    assert in_progress.score == Decimal("2.00") and in_progress.status == AttemptStatus.GRADED
    # And no grader can take them back one by one.
    with pytest.raises(ValidationError):
        services.item_grade_manual(item=wrong.items.get(), score=Decimal("0"), comment="", user=trainer)


def test_a_regrade_without_full_marks_still_regrades(staff_member):
    """The full-marks rule is per exam: the same question in another exam regrades normally."""
    question = make_question(answer="B")
    first = make_exam(make_fixed_paper([question]), individuals=[staff_member])
    second = make_exam(make_fixed_paper([question]), individuals=[staff_member])
    in_first = graded_attempt(first, staff_member, {0: ["C"]})
    in_second = graded_attempt(second, staff_member, {0: ["C"]})
    trainer = base.make_user()
    services.question_full_marks(exam=first, question=question, user=trainer, reason="选项有误")
    question.answer = "A"
    question.full_clean()
    services.question_save(question=question)
    services.question_regrade(exam=second, question=question, user=trainer, reason="答案改为A")
    in_first.refresh_from_db()
    in_second.refresh_from_db()
    assert (in_first.score, in_second.score) == (Decimal("2.00"), Decimal("0.00"))
    assert "kept_full_marks" not in GradingLog.objects.get(action="regrade").details


def test_item_statistics_and_feedback_into_the_bank(centre):
    questions = [make_question(answer="A"), make_question(answer="A")]
    people = [base.make_staff(centre=centre) for _ in range(8)]
    exam = make_exam(make_fixed_paper(questions), individuals=people)
    for index, person in enumerate(people):
        strong = index >= 4
        graded_attempt(exam, person, {0: ["A"] if strong else ["B"], 1: ["A"] if index % 2 else ["C"]})
    stats = {row["question"].pk: row for row in selectors.item_statistics(exam)}
    assert stats[questions[0].pk]["facility"] == Decimal("50.00")
    assert stats[questions[0].pk]["discrimination"] == Decimal("1.00")
    assert stats[questions[0].pk]["options"] == {"A": 4, "B": 4}
    assert services.exam_statistics_to_bank(exam=exam) == 2
    questions[0].refresh_from_db()
    assert questions[0].facility == Decimal("50.00") and questions[0].stats_responses == 8


def test_exam_percentages_for_period(centre, django_assert_num_queries):
    now = timezone.now()
    people = [base.make_staff(centre=centre) for _ in range(3)]
    questions = [make_question(answer="A"), make_question(answer="A")]
    paper = make_fixed_paper(questions)
    highest = make_exam(paper, individuals=people, attempts_allowed=2)
    last = make_exam(paper, individuals=people[:2], attempts_allowed=2, scoring_rule=ScoringRule.LAST)
    graded_attempt(highest, people[0], {0: ["A"], 1: ["A"]})
    graded_attempt(highest, people[0], {0: ["A"]})
    graded_attempt(last, people[0], {0: ["A"], 1: ["A"]})
    graded_attempt(last, people[0], {0: ["A"]})
    graded_attempt(highest, people[1], {0: ["A"]})
    outside = make_exam(paper, individuals=people, closes_in=timedelta(days=40))
    from exams.models import Exam

    Exam.objects.filter(pk__in=[highest.pk, last.pk]).update(closes_at=now + timedelta(hours=3))
    start, end = now, now + timedelta(days=30)
    with django_assert_num_queries(4):
        result = selectors.exam_percentages_for_period(start=start, end=end, staff_ids=[p.pk for p in people])
    as_dict = {pk: {e.pk: pct for e, pct in rows} for pk, rows in result.items()}
    assert as_dict[people[0].pk] == {highest.pk: Decimal("100.00"), last.pk: Decimal("50.00")}
    assert as_dict[people[1].pk] == {highest.pk: Decimal("50.00"), last.pk: Decimal("0.00")}
    assert as_dict[people[2].pk] == {highest.pk: Decimal("0.00")}
    assert outside.pk not in as_dict[people[2].pk]
    many = [base.make_staff(centre=centre).pk for _ in range(10)]
    with django_assert_num_queries(4):
        selectors.exam_percentages_for_period(start=start, end=end, staff_ids=many + [p.pk for p in people])


def test_percentages_count_an_attempt_that_timed_out_unseen(centre):
    person = base.make_staff(centre=centre)
    exam = make_exam(make_fixed_paper([make_question(answer="A")]), individuals=[person])
    attempt = services.attempt_start(exam=exam, staff=person)
    services.attempt_save_answer(attempt=attempt, position=0, response=["A"], seq=1)
    from exams.models import Attempt, Exam

    past = timezone.now() - timedelta(hours=1)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=past)
    Exam.objects.filter(pk=exam.pk).update(opens_at=past - timedelta(hours=1), closes_at=past)
    result = selectors.exam_percentages_for_period(start=past - timedelta(days=1), end=timezone.now(), staff_ids=[person.pk])
    assert [pct for _e, pct in result[person.pk]] == [Decimal("100.00")]
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS  # a read closes nothing (housekeeping does)
