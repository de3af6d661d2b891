"""A team final with a quiz show round, for the quiz show tests."""

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from tests import factories

T0 = timezone.make_aware(dt.datetime(2026, 11, 20, 10, 0))

# (segment, team index or None): 必答 one per team, 抢答, 风险题 for the first two teams, 加赛.
QUESTIONS = [("required", 0), ("required", 1), ("required", 2), ("buzzer", None), ("buzzer", None),
             ("buzzer", None), ("risk", 0), ("risk", 1), ("sudden_death", None)]


def at(ms):
    return T0 + dt.timedelta(milliseconds=ms)


def make_quiz(*, teams=("甲队", "乙队", "丙队"), members=2, questions=QUESTIONS, start=True):
    """A team competition (teams of `members`) whose quiz round QD has the given questions; the
    show is started (a join code per team) unless start=False."""
    from competitions.models import CompetitionPage, Entry, QuizQuestion, Round, RoundKind, Team, TeamMember
    from competitions.services import competition_index_page, quiz_show_start

    n = factories._next()
    competition = CompetitionPage(title=f"团队决赛{n}", code=f"QZ{n}", year=2026, scoring_mode="team")
    competition_index_page().add_child(instance=competition)
    rnd = Round.objects.create(competition=competition, code="QD", name="抢答决赛", kind=RoundKind.QUIZ, weight=30)
    entries = []
    for name in teams:
        team = Team.objects.create(competition=competition, name=name)
        entries.append(Entry.objects.create(competition=competition, team=team))
        for _i in range(members):
            staff = factories.make_staff()
            TeamMember.objects.create(competition=competition, team=team, staff=staff)
            Entry.objects.create(competition=competition, staff=staff)
    made = []
    for order, (segment, team) in enumerate(questions, start=1):
        made.append(QuizQuestion.objects.create(
            round=rnd, segment=segment, order=order, text=f"第{order}题：窗口一次性告知的要求是什么？",
            answer=f"答案{order}", seconds=20, team=entries[team] if team is not None else None))
    show = quiz_show_start(round=rnd) if start else None
    return SimpleNamespace(competition=competition, round=rnd, teams=entries, questions=made, show=show)


def version(show):
    from competitions.models import QuizShow

    return QuizShow.objects.values_list("version", flat=True).get(pk=show.pk)
