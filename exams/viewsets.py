"""Wagtail admin screens of the exams app (registered in wagtail_hooks.py): the model
viewsets of the 考试 menu, and the viewsets of the bank files, exam report and grading queue."""

import django_filters
from django import forms
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.admin.ui.menus import MenuItem as ListingMenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from people.audience import AudienceFormMixin, audience_widgets

from . import admin_views
from .models import Category, Exam, Paper, Question, QuestionBank
from .models.bank import OPTION_LETTERS
from .selectors import RuleSpec, paper_check, paper_check_saved
from .services import exam_apply_terms, exam_sync_candidates, question_save


class QuestionForm(WagtailAdminModelForm):
    """Options as six text boxes (A–F) instead of a JSON list."""

    option_a = forms.CharField(label=_("Option A"), required=False, max_length=500)
    option_b = forms.CharField(label=_("Option B"), required=False, max_length=500)
    option_c = forms.CharField(label=_("Option C"), required=False, max_length=500)
    option_d = forms.CharField(label=_("Option D"), required=False, max_length=500)
    option_e = forms.CharField(label=_("Option E"), required=False, max_length=500)
    option_f = forms.CharField(label=_("Option F"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for index, text in enumerate((self.instance.options or [])[: len(OPTION_LETTERS)]):
            self.fields[f"option_{OPTION_LETTERS[index].lower()}"].initial = text

    def clean(self):
        cleaned = super().clean()
        self.instance.options = [
            cleaned.get(f"option_{letter.lower()}", "").strip()
            for letter in OPTION_LETTERS
            if cleaned.get(f"option_{letter.lower()}", "").strip()
        ]
        return cleaned

    def save(self, commit=True):
        question = super().save(commit=False)
        if commit:
            question_save(question=question)
            self.save_m2m()
        return question


class PaperForm(WagtailAdminModelForm):
    """Refuses, at save, a paper that some candidate could not be given."""

    def _live_rows(self, name):
        formset = self.formsets.get(name)
        if formset is None:
            return []
        rows = [
            form.cleaned_data
            for form in formset.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]
        return sorted(rows, key=lambda row: row.get("ORDER") or 0)

    def is_valid(self):
        valid = super().is_valid()
        if not valid:
            return False
        slots = [(row["question"], row.get("points")) for row in self._live_rows("slots") if row.get("question")]
        rules = [
            RuleSpec(
                row["bank"].pk,
                row["category"].pk if row.get("category") else None,
                row.get("qtype") or "",
                row.get("difficulty"),
                row.get("count") or 0,
                row.get("points"),
            )
            for row in self._live_rows("rules")
            if row.get("bank")
        ]
        self.paper_check = paper_check(kind=self.cleaned_data.get("kind"), slots=slots, rules=rules)
        for problem in self.paper_check.problems:
            self.add_error(None, problem)
        return not self.paper_check.problems


class PaperSaveMessageMixin:
    def get_success_message(self, instance=None):
        check = getattr(self.form, "paper_check", None)
        if check is None:
            return super().get_success_message(instance)
        return _("Paper “%(title)s” saved: %(count)d questions for each candidate, full marks %(marks)s.") % {
            "title": self.object.title,
            "count": check.question_count,
            "marks": f"{check.full_marks.normalize():f}",
        }


class PaperCreateView(PaperSaveMessageMixin, generic.CreateView):
    pass


class PaperEditView(PaperSaveMessageMixin, generic.EditView):
    pass


class ExamForm(AudienceFormMixin, WagtailAdminModelForm):
    def clean(self):
        cleaned = super().clean()
        audience = [cleaned.get(name) for name in ("centres", "posts", "vendors", "individual_staff_nos")]
        if not self.errors and not any(audience):
            raise forms.ValidationError(_("Choose who the exam is for."))
        return cleaned

    def clean_paper(self):
        paper = self.cleaned_data.get("paper")
        if paper is not None:
            problems = paper_check_saved(paper).problems
            if problems:
                raise forms.ValidationError(
                    [_("This paper cannot be given to every candidate; fix the paper first.")] + problems
                )
        return paper


class QuestionFilterSet(WagtailFilterSet):
    tag = django_filters.CharFilter(label=_("Tag"), field_name="tags__name", lookup_expr="exact", distinct=True)

    class Meta:
        model = Question
        fields = ["bank", "category", "qtype", "difficulty", "active"]


class QuestionIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("bank", "category")


class QuestionViewSet(ModelViewSet):
    model = Question
    icon = "help"
    menu_label = _("Questions")
    menu_order = 2
    index_view_class = QuestionIndexView
    form_fields = None
    search_backend_name = None
    search_fields = ["stem_text", "explanation"]
    filterset_class = QuestionFilterSet
    list_display = [
        "stem_text",
        "qtype",
        "bank",
        "category",
        "difficulty",
        "points",
        Column("facility", label=_("Facility"), accessor="facility"),
        Column("discrimination", label=_("Discrimination"), accessor="discrimination"),
        Column("version", label=_("Version"), accessor="version"),
    ]
    list_export = ["bank", "category", "qtype", "stem_text", "answer", "difficulty", "points", "facility", "discrimination"]
    export_filename = "questions"
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("bank"), FieldPanel("category"), FieldPanel("qtype")]),
            FieldPanel("stem"),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("option_a"), FieldPanel("option_b")]),
                    FieldRowPanel([FieldPanel("option_c"), FieldPanel("option_d")]),
                    FieldRowPanel([FieldPanel("option_e"), FieldPanel("option_f")]),
                ],
                heading=_("Options"),
            ),
            FieldPanel("answer"),
            FieldPanel("reference_answer"),
            FieldPanel("rubric"),
            FieldPanel("explanation"),
            FieldRowPanel([FieldPanel("difficulty"), FieldPanel("points"), FieldPanel("active")]),
            FieldPanel("tags"),
        ],
        base_form_class=QuestionForm,
    )


class BankIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        if self.request.user.has_perm("exams.add_question"):
            buttons.append(ListingMenuItem(_("Import questions"), url=reverse("exams_bank_files:import", args=[instance.pk]),
                                           icon_name="upload", priority=30))
        if self.request.user.has_perm("exams.view_question"):
            buttons.append(ListingMenuItem(_("Export questions"), url=reverse("exams_bank_files:export", args=[instance.pk]),
                                           icon_name="download", priority=31))
        return buttons


class QuestionBankViewSet(ModelViewSet):
    model = QuestionBank
    icon = "folder-open-inverse"
    menu_label = _("Question banks")
    menu_order = 1
    index_view_class = BankIndexView
    search_backend_name = None
    search_fields = ["name", "description"]
    list_display = ["name", "description", Column("question_count", label=_("Questions"), accessor="question_count")]
    form_fields = ["name", "description"]

    def get_queryset(self, request):
        from django.db.models import Count

        return QuestionBank.objects.annotate(question_count=Count("questions"))


class CategoryViewSet(ModelViewSet):
    model = Category
    icon = "tag"
    menu_label = _("Question categories")
    menu_order = 3
    search_backend_name = None
    search_fields = ["name"]
    list_filter = ["bank"]
    list_display = ["name", "bank"]
    form_fields = ["bank", "name"]


class PaperViewSet(ModelViewSet):
    model = Paper
    icon = "doc-full"
    menu_label = _("Papers")
    menu_order = 4
    search_backend_name = None
    search_fields = ["title"]
    list_filter = ["kind"]
    list_display = ["title", "kind", "shuffle_questions", "shuffle_options", "forms", "created_at"]
    add_view_class = PaperCreateView
    edit_view_class = PaperEditView
    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldRowPanel([FieldPanel("kind"), FieldPanel("forms")]),
            FieldRowPanel([FieldPanel("shuffle_questions"), FieldPanel("shuffle_options")]),
            InlinePanel("slots", heading=_("Fixed paper: questions in order"), label=_("Question")),
            InlinePanel("rules", heading=_("Blueprint: what to draw for each candidate"), label=_("Rule")),
        ],
        base_form_class=PaperForm,
    )


class ExamSaveMixin:
    def save_instance(self):
        instance = super().save_instance()
        instance.individuals.set(self.form.cleaned_data["individual_staff_nos"])
        exam_sync_candidates(exam=instance)
        exam_apply_terms(exam=instance)
        return instance


class ExamCreateView(ExamSaveMixin, generic.CreateView):
    pass


class ExamEditView(ExamSaveMixin, generic.EditView):
    pass


class ExamIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        buttons.append(ListingMenuItem(_("Report"), url=reverse("exams_report:index", args=[instance.pk]),
                                       icon_name="table", priority=5))
        return buttons


class ExamViewSet(ModelViewSet):
    model = Exam
    icon = "form"
    menu_label = _("Exams")
    menu_order = 5
    add_view_class = ExamCreateView
    edit_view_class = ExamEditView
    index_view_class = ExamIndexView
    search_backend_name = None
    search_fields = ["title"]
    list_filter = ["active", "review_rule"]
    list_display = ["title", "paper", "opens_at", "closes_at", "duration_minutes", "attempts_allowed", "active"]
    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldPanel("description"),
            FieldPanel("paper"),
            MultiFieldPanel(
                [
                    HelpPanel(template="people/admin/audience_help_panel.html"),
                    *[FieldPanel(name, widget=widget) for name, widget in audience_widgets().items()],
                    FieldPanel("individual_staff_nos"),
                ],
                heading=_("Audience"),
            ),
            FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at"), FieldPanel("duration_minutes")]),
            FieldRowPanel([FieldPanel("attempts_allowed"), FieldPanel("scoring_rule"), FieldPanel("pass_percent")]),
            FieldRowPanel([FieldPanel("review_rule"), FieldPanel("results_published")]),
            FieldRowPanel([FieldPanel("partial_credit"), FieldPanel("counts_in_evaluation"), FieldPanel("active")]),
            FieldPanel("invigilators"),
            InlinePanel("overrides", heading=_("Personal overrides"), label=_("Override")),
        ],
        base_form_class=ExamForm,
    )

    def get_queryset(self, request):
        return Exam.objects.select_related("paper")


class ExamsViewSetGroup(ModelViewSetGroup):
    menu_label = _("Exams")
    menu_icon = "form"
    menu_order = 250
    items = (
        QuestionBankViewSet("exams_banks", url_prefix="exams/banks"),
        QuestionViewSet("exams_questions", url_prefix="exams/questions"),
        CategoryViewSet("exams_categories", url_prefix="exams/categories"),
        PaperViewSet("exams_papers", url_prefix="exams/papers"),
        ExamViewSet("exams_exams", url_prefix="exams/exams"),
    )


class QuestionBankFilesViewSet(ViewSet):
    """A bank's questions imported from and exported to a spreadsheet (from the bank listing;
    no menu item). The views check their own permissions on questions."""

    name = "exams_bank_files"
    url_prefix = "exams/bank"
    icon = "upload"

    def get_urlpatterns(self):
        return [
            path("<int:pk>/import/", self.construct_view(admin_views.BankImportView), name="import"),
            path("<int:pk>/import/<int:batch_id>/", self.construct_view(admin_views.BankImportBatchView),
                 name="import_batch"),
            path("<int:pk>/export/", self.construct_view(admin_views.BankExportView), name="export"),
        ]


class ExamReportViewSet(ViewSet):
    """An exam's report, its downloads and the graders' corrections (from the exam listing;
    no menu item), for who may read the exam's results."""

    name = "exams_report"
    url_prefix = "exams/report"
    icon = "table"

    def get_urlpatterns(self):
        return [
            path("<int:pk>/", self.construct_view(admin_views.ExamReportView), name="index"),
            path("<int:pk>/results.xlsx", self.construct_view(admin_views.ExamResultsExportView), name="results"),
            path("<int:pk>/answers.xlsx", self.construct_view(admin_views.ExamAnswersExportView), name="answers"),
            path("<int:pk>/question/<int:question_id>/", self.construct_view(admin_views.ExamQuestionActionView),
                 name="question"),
            path("<int:pk>/statistics/", self.construct_view(admin_views.ExamStatisticsView), name="statistics"),
        ]


class GradingViewSet(ViewSet):
    """The queue of short answers waiting for a grader, in the main menu for graders."""

    name = "exams_grading"
    url_prefix = "exams/grading"
    icon = "edit"
    menu_label = _("Grading queue")
    menu_order = 251
    add_to_admin_menu = True
    permission_policy = admin_views.ExamPermissionPolicy()
    permission_required = "grade"

    @cached_property
    def menu_item_class(self):
        viewset = self

        class GradingMenuItem(MenuItem):
            def is_shown(self, request):
                return viewset.permission_policy.user_has_permission(request.user, viewset.permission_required)

        return GradingMenuItem

    def get_urlpatterns(self):
        view = self.construct_view(
            admin_views.GradingQueueView,
            permission_policy=self.permission_policy,
            permission_required=self.permission_required,
        )
        return [path("", view, name="index")]
