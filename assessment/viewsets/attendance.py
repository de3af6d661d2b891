"""The attendance screens in the 服务记录 menu: the monthly sheet and a person's month for
who may view attendance, a day's correction and an added day for who may change it."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from ..admin_views import AddDayView, CorrectDayView, MonthlySheetView, PersonMonthView
from ..models import AttendanceDay
from .base import RECORDS_MENU_HOOK, AssessmentPermissionPolicy, ScreenViewSet


class AttendanceViewSet(ScreenViewSet):
    name = "assessment_attendance"
    url_prefix = "service-records/attendance"
    icon = "date"
    menu_label = _("Monthly attendance sheet")
    menu_order = 2
    menu_hook = RECORDS_MENU_HOOK
    permission_policy = AssessmentPermissionPolicy(AttendanceDay)
    permission_required = "view"

    def get_urlpatterns(self):
        return [
            path("", self.construct_view(MonthlySheetView), name="index"),
            path("<str:staff_no>/", self.construct_view(PersonMonthView), name="person"),
            path("<str:staff_no>/add-day/", self.construct_view(AddDayView, permission_required="change"),
                 name="add_day"),
            path("day/<int:pk>/correct/", self.construct_view(CorrectDayView, permission_required="change"),
                 name="correct_day"),
        ]
