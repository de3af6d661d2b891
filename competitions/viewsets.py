"""Wagtail admin screens of the competitions app (registered in wagtail_hooks.py): rounds,
entries and judges of each competition, and the rubric snippet.

Competitions, entrants and judges are created by the workbook import (import_competition),
which also seats the judges with automatic recusal; here organisers read them and correct
what the import does not decide (a round's weight, an entrant's remark, a judge's name).
"""

from decimal import Decimal

from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, ObjectList
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.snippets.views.snippets import SnippetViewSet

from . import admin_views, scoring
from .models import Entry, Judge, Round, Rubric


class RubricForm(WagtailAdminModelForm):
    """Refuses a rubric whose criteria's maximum points do not add up to 100."""

    def is_valid(self):
        # The criteria formset is cleaned after the form itself: check the sum once both are.
        if not super().is_valid():
            return False
        formset = self.formsets.get("criteria")
        maxima = [
            form.cleaned_data.get("max_points") or Decimal("0")
            for form in (formset.forms if formset is not None else [])
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]
        if not scoring.rubric_is_valid(maxima):
            total = sum(maxima, Decimal("0"))
            self.add_error(None, _("The criteria's maximum points must add up to 100 (now %(total)s).")
                           % {"total": f"{total.normalize():f}"})
            return False
        return True


class RubricViewSet(SnippetViewSet):
    model = Rubric
    icon = "list-ul"
    menu_label = _("Rubrics")
    add_to_admin_menu = False
    list_display = ["name"]
    search_fields = ["name"]
    search_backend_name = None
    edit_handler = ObjectList(
        [FieldPanel("name"), FieldPanel("description"), InlinePanel("criteria", label=_("Criteria"), min_num=1)],
        base_form_class=RubricForm,
    )


class RoundViewSet(ModelViewSet):
    model = Round
    icon = "list-ol"
    menu_label = _("Rounds")
    search_backend_name = None
    search_fields = ["code", "name", "competition__title"]
    list_filter = ["kind", "state"]
    list_display = ["competition", "code", "name", "kind", "weight", "judges_per_entrant", "state"]
    edit_handler = ObjectList(
        [
            FieldPanel("competition"),
            FieldRowPanel([FieldPanel("code"), FieldPanel("name"), FieldPanel("kind")]),
            FieldRowPanel([FieldPanel("weight"), FieldPanel("judges_per_entrant"), FieldPanel("team_round")]),
            FieldRowPanel([FieldPanel("rubric"), FieldPanel("exam")]),
            FieldRowPanel([FieldPanel("qualify_line"), FieldPanel("qualify_top_n"), FieldPanel("sort_order")]),
        ]
    )

    def get_queryset(self, request):
        return Round.objects.select_related("competition")


class EntryViewSet(ModelViewSet):
    model = Entry
    icon = "group"
    menu_label = _("Entrants")
    search_backend_name = None
    search_fields = ["staff__staff_no", "staff__name", "team__name", "competition__title"]
    list_filter = ["remark"]
    list_display = ["competition", "__str__", "remark"]
    edit_handler = ObjectList([FieldPanel("remark"), FieldPanel("remark_note")])

    def get_queryset(self, request):
        return Entry.objects.select_related("competition", "staff", "team")


class JudgeViewSet(ModelViewSet):
    model = Judge
    icon = "user"
    menu_label = _("Judges")
    search_backend_name = None
    search_fields = ["name", "user__username", "competition__title"]
    list_display = ["competition", "name", "user", "centre"]
    edit_handler = ObjectList([FieldPanel("name")])

    def get_queryset(self, request):
        return Judge.objects.select_related("competition", "user", "centre")


class CompetitionResultsViewSet(ViewSet):
    """Each competition's standings, publication, reopen and export, for organisers (竞赛组织)."""

    name = "competitions_results"
    url_prefix = "competitions/results"
    icon = "pick"
    menu_label = _("Results and publication")
    menu_order = 0
    permission_policy = admin_views.OrganisePermissionPolicy()

    @cached_property
    def menu_item_class(self):
        viewset = self

        class OrganiserMenuItem(MenuItem):
            def is_shown(self, request):
                return viewset.permission_policy.user_has_permission(request.user, "organise")

        return OrganiserMenuItem

    def get_urlpatterns(self):
        return [
            path("", self.construct_view(admin_views.CompetitionListView), name="index"),
            path("import/", self.construct_view(admin_views.CompetitionImportView), name="import"),
            path("<int:pk>/", self.construct_view(admin_views.ResultsView), name="results"),
            path("<int:pk>/publish/", self.construct_view(admin_views.PublishView), name="publish"),
            path("<int:pk>/reopen/", self.construct_view(admin_views.ReopenView), name="reopen"),
            path("<int:pk>/results.xlsx", self.construct_view(admin_views.ResultsExportView), name="export"),
            path("<int:pk>/rounds/<int:round_id>/exam/", self.construct_view(admin_views.RoundExamView),
                 name="round_exam"),
            path("<int:pk>/rounds/<int:round_id>/advance/", self.construct_view(admin_views.RoundAdvanceView),
                 name="advance"),
            path("<int:pk>/rounds/<int:round_id>/scores/", self.construct_view(admin_views.RoundScoresImportView),
                 name="round_scores"),
            path("<int:pk>/rounds/<int:round_id>/panel/", self.construct_view(admin_views.RoundPanelView),
                 name="panel"),
            path("<int:pk>/entries/<int:entry_id>/reinstate/", self.construct_view(admin_views.EntryReinstateView),
                 name="reinstate"),
        ]


class CompetitionsViewSetGroup(ModelViewSetGroup):
    menu_label = _("Competitions")
    menu_icon = "pick"
    menu_order = 260
    items = (
        CompetitionResultsViewSet(),
        RoundViewSet("competitions_rounds", url_prefix="competitions/rounds"),
        EntryViewSet("competitions_entries", url_prefix="competitions/entries"),
        JudgeViewSet("competitions_judges", url_prefix="competitions/judges"),
    )
