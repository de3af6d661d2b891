"""The demo service records: idempotent, through the import code, cases in every state."""

import pytest

from assessment.demo import load_service_records
from assessment.models import AttendanceDay, BadReviewCase, CalendarDay, Rating, RatingSource
from home.demo import Tally
from people import roles
from tests import factories

pytestmark = pytest.mark.django_db


def test_demo_service_records_are_idempotent_and_cover_every_case_state():
    centre = factories.make_centre("城东政务服务中心")
    supervisor = factories.make_user_with_role(roles.SUPERVISOR, "supervisor")
    centre.supervisors.add(supervisor)
    window = factories.make_window("01-01", centre=centre)
    for _ in range(40):
        factories.make_staff(window=window)

    first = Tally()
    load_service_records(first)
    counts = (AttendanceDay.objects.count(), Rating.objects.count(), BadReviewCase.objects.count())
    assert counts[0] > 40 * 50 and counts[1] > 40 * 15 and counts[2] >= 6
    assert CalendarDay.objects.filter(name="国庆节").count() == 7
    assert RatingSource.objects.filter(code="province-feed", direction="provincial").exists()
    states = set(BadReviewCase.objects.values_list("status", "outcome", "appeal_status"))
    assert ("open", "", "") in states
    assert ("verified", "", "") in states and ("rectified", "", "") in states
    assert ("closed", "confirmed", "") in states
    assert ("closed", "confirmed", "pending") in states
    assert ("closed", "appeal_upheld", "upheld") in states

    second = Tally()
    load_service_records(second)
    assert second.changed == 0
    assert (AttendanceDay.objects.count(), Rating.objects.count(), BadReviewCase.objects.count()) == counts
