"""A knowledge round held online: the registration list sits the round's exam (the exam
engine draws one paper per candidate), and once it closes the graded percentages become the
round's scores. The exam engine is reached through home's hooks: competitions never import
the exams app."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail import hooks

from home.hooks import EXAM_CANDIDATES_HOOK, EXAM_SCORES_HOOK
from home.spreadsheets import Table

from ..models import Entry
from ..models.entries import UNRANKED_REMARKS
from ..workbook import norm
from .score_sheets import ENTRANT, SCORE, round_scores_import


def _exam_engine(hook_name):
    registered = hooks.get_hooks(hook_name)
    if not registered:
        raise ValidationError(_("The exam engine is not installed."))
    return registered[0]


def _online_round(round):
    if not round.exam_id:
        raise ValidationError(_("Round %(code)s is not held as an online exam.") % {"code": round.code})


def round_exam_candidates(*, round):
    """{staff id: 工号} of the people who sit the round's exam: every person entry of the
    competition, except those withdrawn or disqualified and those out after an earlier round.
    One query."""
    out_before = Q(eliminated_in__sort_order__lt=round.sort_order) | Q(
        eliminated_in__sort_order=round.sort_order, eliminated_in__pk__lt=round.pk
    )
    return dict(
        Entry.objects.filter(competition_id=round.competition_id, staff__isnull=False)
        .exclude(remark__in=UNRANKED_REMARKS)
        .exclude(out_before)
        .values_list("staff_id", "staff__staff_no")
    )


def round_exam_candidates_sync(*, round):
    """Make the registration list the candidates of the round's exam. Returns how many
    people were added."""
    _online_round(round)
    candidates = round_exam_candidates(round=round)
    return _exam_engine(EXAM_CANDIDATES_HOOK)(exam_id=round.exam_id, staff_ids=list(candidates))


def round_exam_scores_collect(*, round, dry_run=False, user=None, now=None):
    """The round's scores from its closed exam: each candidate's counting graded attempt
    (the exam's own rule) as a written score on 0–100, imported like an offline written round
    (all or nothing, a changed score is a new version, the same scores change nothing).
    Candidates without a graded attempt get no score. Returns (ImportResult, [工号 of the
    candidates without one])."""
    _online_round(round)
    exam = round.exam
    if not exam.is_closed(now or timezone.now()):
        raise ValidationError(
            _("The exam of round %(code)s closes at %(time)s: collect its scores after it closes.")
            % {"code": round.code, "time": timezone.localtime(exam.closes_at).strftime("%Y-%m-%d %H:%M")}
        )
    candidates = round_exam_candidates(round=round)
    percents = _exam_engine(EXAM_SCORES_HOOK)(exam_id=round.exam_id, staff_ids=list(candidates))
    entrant, score = norm(ENTRANT), norm(SCORE)
    taken = sorted((staff_no, percents[staff_id]) for staff_id, staff_no in candidates.items() if staff_id in percents)
    table = Table(
        headers=[entrant, score],
        header_row=1,
        rows=[(number, {entrant: staff_no, score: percent}) for number, (staff_no, percent) in enumerate(taken, start=2)],
    )
    result = round_scores_import(table, round=round, dry_run=dry_run, user=user, reason=_("Collected from the exam"))
    absent = sorted(staff_no for staff_id, staff_no in candidates.items() if staff_id not in percents)
    return result, absent
