"""Who sits an exam and on what terms: audiences, overrides, deadlines."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from people.models import StaffProfile
from people.selectors import audience_filter_of

from ..models import (
    Attempt,
    AttemptStatus,
    Exam,
    ExamCandidate,
    ExamOverride,
)

# --- audiences ------------------------------------------------------------------------


def exam_sync_candidates(*, exam):
    """Record everyone who now matches the audience. People who no longer match leave the
    exam unless they already sat it (their attempts stay theirs). Returns how many were added."""
    if not exam.active:
        return 0
    matching = set(StaffProfile.objects.filter(active=True).filter(audience_filter_of(exam)).values_list("pk", flat=True))
    present = set(ExamCandidate.objects.filter(exam=exam).values_list("staff_id", flat=True))
    ExamCandidate.objects.bulk_create([ExamCandidate(exam=exam, staff_id=pk) for pk in sorted(matching - present)],
                                      ignore_conflicts=True)
    gone = present - matching
    if gone:
        sat = set(Attempt.objects.filter(exam=exam, staff_id__in=gone).values_list("staff_id", flat=True))
        ExamCandidate.objects.filter(exam=exam, staff_id__in=gone - sat).delete()
    return len(matching - present)


@transaction.atomic
def exam_candidates_set(*, exam, staff_ids):
    """Make exactly these people the exam's individuals (a competition's registration list)
    and record its candidates. Returns how many were added."""
    exam = Exam.objects.select_for_update().get(pk=exam.pk)
    exam.individuals.set(StaffProfile.objects.filter(pk__in=list(staff_ids)))
    return exam_sync_candidates(exam=exam)


@transaction.atomic
def exam_create(*, title, paper, opens_at, closes_at, created_by=None, centres=(), posts=(), vendors=(), individuals=(),
                invigilators=(), **options):
    if not (centres or posts or vendors or individuals):
        raise ValidationError(_("Choose who the exam is for."))
    exam = Exam(title=title, paper=paper, opens_at=opens_at, closes_at=closes_at, created_by=created_by, **options)
    exam.full_clean()
    exam.save()
    exam.centres.set(centres)
    exam.posts.set(posts)
    exam.vendors.set(vendors)
    exam.individuals.set(individuals)
    exam.invigilators.set(invigilators)
    exam_sync_candidates(exam=exam)
    return exam


# --- a candidate's terms ---------------------------------------------------------------


class Terms:
    """An exam's window, time and attempts for one person, overrides applied."""

    def __init__(self, exam, override=None):
        self.opens_at = (override and override.opens_at) or exam.opens_at
        self.closes_at = (override and override.closes_at) or exam.closes_at
        self.minutes = exam.duration_minutes + (override.extra_minutes if override else 0)
        self.attempts = exam.attempts_allowed + (override.extra_attempts if override else 0)

    def is_open(self, now):
        return self.opens_at <= now < self.closes_at


def terms_for(exam, staff):
    override = ExamOverride.objects.filter(exam=exam, staff=staff).first()
    return Terms(exam, override)



def exams_sync_open_candidates(*, now=None):
    """Add people who joined an open exam's audience since it was set up (new hires,
    transfers). Returns {exam: number added} for the exams that gained someone."""
    now = now or timezone.now()
    added = {}
    for exam in Exam.objects.filter(active=True, closes_at__gt=now).order_by("closes_at", "pk"):
        count = exam_sync_candidates(exam=exam)
        if count:
            added[exam] = count
    return added



def exam_apply_terms(*, exam):
    """After the exam's times or someone's override changed: move the deadline of attempts in
    progress to what the terms now give (extra time granted during a sitting counts at once)."""
    overrides = {o.staff_id: o for o in ExamOverride.objects.filter(exam=exam)}
    changed = []
    for attempt in Attempt.objects.filter(exam=exam, status=AttemptStatus.IN_PROGRESS):
        terms = Terms(exam, overrides.get(attempt.staff_id))
        deadline = min(attempt.started_at + timedelta(minutes=terms.minutes), terms.closes_at)
        if deadline != attempt.deadline:
            attempt.deadline = deadline
            changed.append(attempt)
    Attempt.objects.bulk_update(changed, ["deadline"])
    return len(changed)
