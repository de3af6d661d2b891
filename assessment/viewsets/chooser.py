"""A searchable chooser of the staff in the user's centres, for the finding and commendation
forms (a roster has thousands of people: no select of everyone)."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet

from people.models import StaffProfile

from .. import selectors
from ..forms.records import StaffSearchForm


class StaffChooseMixin:
    """The people a user may record something about (their centres' active staff),
    searchable by 工号 or name."""

    filter_form_class = StaffSearchForm
    ordering = "staff_no"

    def get_object_list(self):
        people = StaffProfile.objects.filter(active=True).select_related("centre", "window")
        return selectors.staff_in_scope(self.request.user, people)

    @property
    def columns(self):
        return [
            self.title_column,
            Column("centre", label=_("Service centre"), accessor=lambda p: p.centre.name if p.centre_id else "—"),
            Column("window", label=_("Window"), accessor=lambda p: p.window.code if p.window_id else "—"),
        ]


class StaffChooseView(StaffChooseMixin, chooser_views.ChooseView):
    pass


class StaffChooseResultsView(StaffChooseMixin, chooser_views.ChooseResultsView):
    pass


class StaffChosenView(chooser_views.ChosenView):
    def get_object(self, pk):
        return get_object_or_404(selectors.staff_in_scope(self.request.user, StaffProfile.objects.all()), pk=pk)


class StaffChooserViewSet(ChooserViewSet):
    model = "people.StaffProfile"
    icon = "user"
    choose_one_text = _("Choose a staff member")
    choose_another_text = _("Choose another staff member")
    per_page = 20
    register_widget = False
    choose_view_class = StaffChooseView
    choose_results_view_class = StaffChooseResultsView
    chosen_view_class = StaffChosenView


staff_chooser_viewset = StaffChooserViewSet("assessment_staff_chooser", url_prefix="records/staff-chooser")


class StaffChooserFieldMixin:
    """For a record viewset whose `staff` field picks a person through the chooser."""

    def formfield_for_dbfield(self, db_field, **kwargs):
        if db_field.name == "staff":
            kwargs["widget"] = staff_chooser_viewset.widget_class()
        return super().formfield_for_dbfield(db_field, **kwargs)
