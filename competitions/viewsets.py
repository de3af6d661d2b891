"""Wagtail admin screens of the competitions app (registered in wagtail_hooks.py): rounds,
entries and judges of each competition, and the rubric snippet.

Competitions, entrants and judges are created by the workbook import (import_competition),
which also seats the judges with automatic recusal; here organisers read them and correct
what the import does not decide (a round's weight, an entrant's remark, a judge's name).
"""

from decimal import Decimal

import django_filters
from django import forms
from django.contrib import messages
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.generic import CreateView, DeleteView, EditView, IndexView, ReorderView
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import Button
from wagtail.log_actions import log
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views.snippets import SnippetViewSet

from home.spreadsheets import shown
from home.validators import validate_no_control_characters

from . import admin_views, scoring, selectors, services
from .models import CompetitionPage, Entry, Judge, QuizQuestion, QuizSegment, Round, RoundKind, Rubric
from .resources import ANSWER_MAX, ORDER_MAX, SECONDS_MAX, SECONDS_MIN, TEXT_MAX


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
            path("<int:pk>/rounds/<int:round_id>/quiz-questions/import/",
                 self.construct_view(admin_views.QuizQuestionsImportView), name="quiz_questions_import"),
            path("<int:pk>/rounds/<int:round_id>/quiz-questions.xlsx",
                 self.construct_view(admin_views.QuizQuestionsExportView), name="quiz_questions_export"),
            path("<int:pk>/rounds/<int:round_id>/quiz-events.xlsx",
                 self.construct_view(admin_views.QuizEventsExportView), name="quiz_events"),
        ]


# --- a quiz round's questions ------------------------------------------------------------------


class QuizQuestionPermissionPolicy(ModelPermissionPolicy):
    """Every action on quiz questions is 竞赛组织 (competitions.organise_competition)."""

    def __init__(self):
        super().__init__(QuizQuestion, auth_model=CompetitionPage)

    def _get_permission_codename(self, action):
        return "organise_competition"


class _RoundField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return selectors.quiz_round_label(obj)


class _RoundFilter(django_filters.ModelChoiceFilter):
    field_class = _RoundField


def _quiz_competitions(request):
    return CompetitionPage.objects.filter(rounds__kind=RoundKind.QUIZ).distinct().order_by("-year", "title")


def _quiz_rounds(request):
    return selectors.quiz_rounds()


class QuizQuestionFilterSet(WagtailFilterSet):
    competition = django_filters.ModelChoiceFilter(
        label=_("Competition"), field_name="round__competition", queryset=_quiz_competitions)
    round = _RoundFilter(label=_("Round"), queryset=_quiz_rounds)
    segment = django_filters.ChoiceFilter(label=_("Segment"), choices=QuizSegment.choices)

    class Meta:
        model = QuizQuestion
        fields = []


class QuizQuestionForm(WagtailAdminModelForm):
    """A question of a quiz round: the round among quiz rounds, the team among the teams of
    the round's competition (必答 and 风险 only). Refused for a question the show has used and
    for a confirmed or published round (services.quiz_questions)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rounds = selectors.quiz_rounds()
        round_field = self.fields["round"]
        round_field.queryset = rounds
        round_field.label_from_instance = selectors.quiz_round_label
        chosen = self._chosen_round()
        team = self.fields["team"]
        if chosen is not None:
            team.queryset = selectors.team_entries([chosen.competition_id])
            team.label_from_instance = lambda entry: entry.team.name
        else:
            team.queryset = selectors.team_entries(rounds.values("competition_id"))
            team.label_from_instance = lambda entry: f"{entry.competition.title} · {entry.team.name}"
        team.help_text = _("必答 and 风险 questions: the team whose turn it is (the host may also name it in the show). "
                           "Leave it empty for 抢答 and 加赛 questions.")
        bounds = {"order": (1, ORDER_MAX), "seconds": (SECONDS_MIN, SECONDS_MAX)}
        for name, (low, high) in bounds.items():
            field = self.fields[name]
            field.min_value, field.max_value = low, high
            field.validators = [*field.validators, MinValueValidator(low), MaxValueValidator(high)]
            field.widget.attrs.update(min=low, max=high)
        for name, limit in (("text", TEXT_MAX), ("answer", ANSWER_MAX)):
            field = self.fields[name]
            field.max_length = limit
            field.validators = [*field.validators, MaxLengthValidator(limit), validate_no_control_characters]
            field.widget.attrs.update(maxlength=limit, rows=3)

    def _chosen_round(self):
        if self.is_bound:
            value = self.data.get(self.add_prefix("round"))
        else:
            value = self.initial.get("round") or self.instance.round_id
        try:
            pk = int(value)
        except (TypeError, ValueError):
            return None
        return selectors.quiz_rounds().filter(pk=pk).first()

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and selectors.quiz_question_is_used(self.instance.pk):
            raise forms.ValidationError(services.quiz_question_used_message(self.instance.order))
        rnd = cleaned.get("round")
        if rnd is not None:
            problems = services.quiz_question_problems(
                round=rnd, segment=cleaned.get("segment"), team=cleaned.get("team"), order=cleaned.get("order"),
                question_id=self.instance.pk)
            for name, message in problems.items():
                self.add_error(name if name in self.fields else None, message)
        return cleaned

    def validate_unique(self):
        # A taken 序号 is named in words by clean(); the database constraint still holds.
        pass


def _round_index_url(view, round_id):
    url = reverse(view.index_url_name)
    return f"{url}?round={round_id}" if round_id else url


class QuizQuestionIndexView(IndexView):
    """Filtered by one round, the round's questions in their order, reordered by dragging;
    the header offers the round's Excel import and export and its show's event log."""

    def get_base_queryset(self):
        return selectors.quiz_questions_with_use(
            QuizQuestion.objects.select_related("round__competition", "team__team"))

    @cached_property
    def filtered_round(self):
        if self.filters is not None and self.filters.is_valid():
            return self.filters.form.cleaned_data.get("round")
        return None

    def get_ordering(self):
        if self.filtered_round is not None and not self.is_explicitly_ordered and not self.is_searching:
            return self.sort_order_field
        return super().get_ordering()

    def get_valid_orderings(self):
        orderings = super().get_valid_orderings()
        if self.filtered_round is not None and self.sort_order_field not in orderings:
            orderings.append(self.sort_order_field)
        return orderings

    @cached_property
    def show_ordering_column(self):
        # Dragging moves a question within its round: only offered for one round's list.
        return (self.filtered_round is not None and not self.is_searching
                and self.ordering == self.sort_order_field)

    @cached_property
    def reorder_button(self):
        return None

    def get_add_url(self):
        url = super().get_add_url()
        if url and self.filtered_round is not None:
            url += f"?round={self.filtered_round.pk}"
        return url

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        rnd = self.filtered_round
        if rnd is not None:
            args = [rnd.competition_id, rnd.pk]
            buttons.append(Button(_("Import from Excel"), url=reverse("competitions_results:quiz_questions_import",
                                                                      args=args), icon_name="upload", priority=10))
            buttons.append(Button(_("Download the questions (Excel)"),
                                  url=reverse("competitions_results:quiz_questions_export", args=args),
                                  icon_name="download", priority=20))
            if selectors.quiz_show_for_round(rnd.pk) is not None:
                buttons.append(Button(_("Event log of the show (Excel)"),
                                      url=reverse("competitions_results:quiz_events", args=args),
                                      icon_name="download", priority=30))
        return buttons


class _SaveThroughService:
    """Create and edit views save through services.quiz_question_save (refusals become form errors)."""

    log_action = "wagtail.edit"

    def save_instance(self):
        question = services.quiz_question_save(question=self.form.instance, user=self.request.user)
        log(instance=question, action=self.log_action, user=self.request.user)
        return question

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except services.QuestionRefused as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
            return self.form_invalid(form)

    def get_success_url(self):
        return _round_index_url(self, self.object.round_id)


class QuizQuestionCreateView(_SaveThroughService, CreateView):
    log_action = "wagtail.create"

    def get_initial(self):
        initial = super().get_initial()
        try:
            rnd = selectors.quiz_rounds().filter(pk=int(self.request.GET.get("round", ""))).first()
        except ValueError:
            rnd = None
        if rnd is not None:
            initial.update(round=rnd.pk, order=services.quiz_question_next_order(rnd))
        return initial


class QuizQuestionEditView(_SaveThroughService, EditView):
    pass


class QuizQuestionDeleteView(DeleteView):
    """A question the show has used is not deleted: the organiser is told why."""

    def refusal(self):
        if selectors.quiz_question_is_used(self.object.pk):
            return services.quiz_question_used_message(self.object.order)
        return services.quiz_round_refusal(self.object.round)

    def get(self, request, *args, **kwargs):
        refusal = self.refusal()
        if refusal:
            messages.error(request, refusal)
            return redirect(_round_index_url(self, self.object.round_id))
        return super().get(request, *args, **kwargs)

    def get_success_url(self):
        return get_valid_next_url_from_request(self.request) or _round_index_url(self, self.object.round_id)

    def delete_action(self):
        with transaction.atomic():
            log(instance=self.object, action="wagtail.delete", user=self.request.user)
            services.quiz_question_delete(question=self.object, user=self.request.user)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except services.QuestionRefused as exc:
            messages.error(self.request, " ".join(exc.messages))
            return redirect(_round_index_url(self, self.object.round_id))


class QuizQuestionReorderView(ReorderView):
    """Drag and drop within one round (services.quiz_questions_reorder)."""

    def post(self, request, *args, **kwargs):
        question = get_object_or_404(QuizQuestion, pk=kwargs.get("pk"))
        try:
            position = int(request.GET.get("position", ""))
        except ValueError:
            position = None
        try:
            services.quiz_questions_reorder(question=question, position=position, user=request.user)
        except services.QuestionRefused as exc:
            return JsonResponse({"success": False, "error": " ".join(exc.messages)}, status=400)
        return JsonResponse({"success": True})


def _segment(question):
    return question.get_segment_display()


def _team(question):
    return question.team.team.name if question.team_id and question.team.team_id else ""


def _used(question):
    return _("Used in the show") if getattr(question, "used", False) else ""


LIST_DISPLAY = [
    Column("text", label=_("question text"), accessor=lambda q: shown(q.text, 60)),
    Column("order", label=_("order"), sort_key="order"),
    Column("segment", label=_("segment"), accessor=_segment, sort_key="segment"),
    Column("team", label=_("team"), accessor=_team),
    Column("seconds", label=_("seconds to answer")),
    Column("round", label=_("round"), accessor=lambda q: selectors.quiz_round_label(q.round)),
    Column("used", label=_("In the show"), accessor=_used),
]


class QuizQuestionViewSet(ModelViewSet):
    """A quiz round's questions (必答, 抢答, 风险, 加赛), for organisers: filtered by competition
    and round, reordered by dragging within a round, imported from Excel (admin_views)."""

    model = QuizQuestion
    icon = "help"
    menu_label = _("Quiz questions")
    search_backend_name = None
    search_fields = ["text", "answer"]
    sort_order_field = "order"
    # Permission policy: QuizQuestionPermissionPolicy, registered in wagtail_hooks.py.
    filterset_class = QuizQuestionFilterSet
    index_view_class = QuizQuestionIndexView
    add_view_class = QuizQuestionCreateView
    edit_view_class = QuizQuestionEditView
    delete_view_class = QuizQuestionDeleteView
    reorder_view_class = QuizQuestionReorderView
    list_display = LIST_DISPLAY
    inspect_view_enabled = False
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("round"),
            FieldRowPanel([FieldPanel("order"), FieldPanel("segment"), FieldPanel("seconds")]),
            FieldPanel("text"),
            FieldPanel("answer"),
            FieldPanel("team"),
        ],
        base_form_class=QuizQuestionForm,
    )


class CompetitionsViewSetGroup(ModelViewSetGroup):
    menu_label = _("Competitions")
    menu_icon = "pick"
    menu_order = 260
    items = (
        CompetitionResultsViewSet(),
        RoundViewSet("competitions_rounds", url_prefix="competitions/rounds"),
        EntryViewSet("competitions_entries", url_prefix="competitions/entries"),
        JudgeViewSet("competitions_judges", url_prefix="competitions/judges"),
        QuizQuestionViewSet("competitions_quiz_questions", url_prefix="competitions/quiz-questions"),
    )
