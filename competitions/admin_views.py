"""The organiser's results screen of a competition (from the page's header and the
Competitions menu): the live standings as a preview, each round's state, the online
knowledge round's exam, publication and a reopen with a reason, the standings in Excel.
Each view belongs to CompetitionResultsViewSet (viewsets.py), which gives it its URL."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.permission_policies import ModelPermissionPolicy

from home.import_views import UploadForm
from home.spreadsheets import xlsx_response
from home.validators import validate_no_control_characters

from . import selectors, services
from .models import CompetitionPage, Entry, Judge, Round, RoundKind
from .resources import QuizEventResource, QuizQuestionResource, QuizTeamTotalResource


class OrganisePermissionPolicy(ModelPermissionPolicy):
    """Competition permissions, with `organise` (competitions.organise_competition, 竞赛组织)."""

    def __init__(self):
        super().__init__(CompetitionPage)

    def _get_permission_codename(self, action):
        return "organise_competition" if action == "organise" else super()._get_permission_codename(action)


class OrganiserMixin(PermissionCheckedMixin):
    permission_policy = OrganisePermissionPolicy()
    permission_required = "organise"


class CompetitionListView(OrganiserMixin, WagtailAdminTemplateMixin, TemplateView):
    """Every competition, newest first, with where its results stand."""

    template_name = "competitions/admin/competition_list.html"
    header_icon = "pick"
    page_title = gettext_lazy("Results and publication")

    def get_context_data(self, **kwargs):
        return super().get_context_data(competitions=selectors.competitions_for_organisers(), **kwargs)


class CompetitionMixin(OrganiserMixin):

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.competition = get_object_or_404(CompetitionPage, pk=kwargs["pk"])

    def results_url(self):
        return reverse("competitions_results:results", args=[self.competition.pk])


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (logged)"), max_length=500, validators=[validate_no_control_characters],
        error_messages={"required": gettext_lazy("Give a reason.")},
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (logged)"), max_length=500, validators=[validate_no_control_characters],
        error_messages={"required": gettext_lazy("Reopening the results needs a reason.")},
    )


class ResultsView(CompetitionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "competitions/admin/results.html"
    header_icon = "pick"

    def get_page_title(self):
        return _("Results: %(competition)s") % {"competition": self.competition.title}

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        competition = self.competition
        snapshot = selectors.published_snapshot(competition=competition)
        live = selectors.competition_standings(competition=competition).as_data()
        return super().get_context_data(
            competition=competition,
            rounds=selectors.rounds_for_results(competition=competition),
            snapshot=snapshot,
            standings=snapshot or live,
            reopen_form=ReopenForm(),
            **kwargs,
        )


class PublishView(CompetitionMixin, View):
    """POST: freeze the standings and name the awards (their bonus reaches this month's evaluation)."""

    def post(self, request, *args, **kwargs):
        try:
            snapshot = services.competition_publish(competition=self.competition, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Published the results: %(count)d awards.") % {"count": snapshot.awards.count()})
        return redirect(self.results_url())


class ReopenView(CompetitionMixin, View):
    """POST: withdraw the published results with a reason (the rounds go back to review)."""

    def post(self, request, *args, **kwargs):
        form = ReopenForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors["reason"]))
            return redirect(self.results_url())
        try:
            services.competition_reopen(competition=self.competition, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The results are withdrawn; their awards no longer count."))
        return redirect(self.results_url())


class ResultsExportView(CompetitionMixin, View):
    """The standings in Excel: the published snapshot, or the live standings as a preview."""

    def get(self, request, *args, **kwargs):
        return xlsx_response(services.results_dataset(competition=self.competition), f"{self.competition.code}-results")


class RoundExamView(CompetitionMixin, View):
    """POST for an online knowledge round: `sync` makes the registration list the exam's
    candidates; `collect` takes the closed exam's scores into the round."""

    def post(self, request, *args, **kwargs):
        rnd = get_object_or_404(Round.objects.select_related("exam"), pk=kwargs["round_id"], competition=self.competition)
        try:
            if request.POST.get("action") == "sync":
                added = services.round_exam_candidates_sync(round=rnd)
                messages.success(request, _("%(round)s: %(count)d candidates added to the exam.")
                                 % {"round": rnd.name, "count": added})
            else:
                result, absent = services.round_exam_scores_collect(round=rnd, user=request.user)
                if result.ok:
                    messages.success(request, _(
                        "%(round)s: %(created)d scores added, %(updated)d changed, %(unchanged)d unchanged; "
                        "%(absent)d candidates have no graded attempt.") % {
                        "round": rnd.name, "created": result.created, "updated": result.updated,
                        "unchanged": result.unchanged, "absent": len(absent)})
                else:
                    messages.error(request, " ".join(str(error) for error in result.errors[:5]))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(self.results_url())


class RoundAdvanceView(CompetitionMixin, View):
    """POST: apply a round's qualifying rule (score line or top N): the others are out after it."""

    def post(self, request, *args, **kwargs):
        rnd = get_object_or_404(Round.objects.select_related("competition"), pk=kwargs["round_id"],
                                competition=self.competition)
        try:
            advancing, out = services.round_advance(round=rnd, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(round)s: %(advancing)d advance, %(out)d are out.")
                             % {"round": rnd.name, "advancing": advancing, "out": out})
        return redirect(self.results_url())


class EntryReinstateView(CompetitionMixin, View):
    """POST with a reason: an entrant who was out takes part in the later rounds again (a reserve)."""

    def post(self, request, *args, **kwargs):
        entry = get_object_or_404(Entry, pk=kwargs["entry_id"], competition=self.competition)
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors["reason"]))
            return redirect(self.results_url())
        try:
            services.entry_reinstate(entry=entry, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(entrant)s takes part in the later rounds again.") % {"entrant": entry})
        return redirect(self.results_url())


# --- imports and panels ---------------------------------------------------------------------------


class WorkbookForm(UploadForm):
    """A whole workbook (several sheets), so .xlsx only."""

    file = forms.FileField(
        label=gettext_lazy("Workbook"),
        help_text=gettext_lazy("An .xlsx workbook, at most 50 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    extensions = (".xlsx",)
    wrong_extension = gettext_lazy("Upload an .xlsx file.")


class ImportMixin:
    """Upload → "check" (writes nothing, lists every error) or "import" (all rows or none).
    The file is read and dropped: nothing is stored."""

    template_name = "competitions/admin/import.html"
    header_icon = "upload"
    form_class = WorkbookForm

    def run(self, upload, *, dry_run):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.form_class()))

    def post(self, request, *args, **kwargs):
        form = self.form_class(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        dry_run = request.POST.get("action") != "import"
        upload = form.cleaned_data["file"]
        result = self.run(upload, dry_run=dry_run)
        if result.ok and not dry_run:
            messages.success(request, _("Imported %(total)d rows: %(created)d new, %(updated)d updated, "
                                        "%(unchanged)d unchanged.") % result.summary())
            return redirect(self.success_url(result))
        return self.render_to_response(self.get_context_data(form=self.form_class(), result=result,
                                                             checked_name=upload.name))


class CompetitionImportView(ImportMixin, OrganiserMixin, WagtailAdminTemplateMixin, TemplateView):
    """A competition from its workbook (sheets 竞赛, 轮次, 报名, 评委, optional 评分标准)."""

    page_title = gettext_lazy("Import a competition workbook")

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse("competitions_results:index"), "label": _("Results and publication")},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            layout=_("Sheets 竞赛 (代码, 名称, 年度, 计分方式), 轮次 (代码, 名称, 类型, 权重, 每位参赛者评委数), "
                     "报名 (工号, 队名), 评委 (工号 or 账号, 姓名, 服务中心, 轮次), optional 评分标准 (轮次, 评分项, 满分)."),
            **kwargs,
        )

    def run(self, upload, *, dry_run):
        return services.competition_import_file(upload, upload.name, dry_run=dry_run, user=self.request.user)

    def success_url(self, result):
        return reverse("competitions_results:index")


class RoundPageMixin:
    """Breadcrumbs of a page under a competition's results screen (they also give the header)."""

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse("competitions_results:index"), "label": _("Results and publication")},
            {"url": self.results_url(), "label": self.competition.title},
            {"url": "", "label": self.get_page_title()},
        ]


class RoundScoresImportView(ImportMixin, RoundPageMixin, CompetitionMixin, WagtailAdminTemplateMixin, TemplateView):
    """One round's scores: judges' paper sheets, or one score per entrant (offline written rounds)."""

    form_class = UploadForm

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.round = get_object_or_404(Round, pk=kwargs["round_id"], competition=self.competition)

    def get_page_title(self):
        return _("Import scores: %(round)s") % {"round": self.round.name}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            back_url=self.results_url(),
            layout=_("Judged rounds: 评委 (工号 or 账号), 参赛者 (工号, or 队名 in team rounds), then 得分 or one column per "
                     "评分项. Offline written rounds: 参赛者, 得分."),
            **kwargs,
        )

    def run(self, upload, *, dry_run):
        return services.round_scores_import_file(upload, upload.name, competition_code=self.competition.code,
                                                 round_code=self.round.code, dry_run=dry_run, user=self.request.user)

    def success_url(self, result):
        return self.results_url()


class RoundPanelView(RoundPageMixin, CompetitionMixin, WagtailAdminTemplateMixin, TemplateView):
    """A round's panel: put judges on it (one chief judge), seat a judge for one entrant
    (refused when the judge must be recused), record a declared conflict."""

    template_name = "competitions/admin/panel.html"
    header_icon = "group"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.round = get_object_or_404(Round.objects.select_related("competition"), pk=kwargs["round_id"],
                                       competition=self.competition)

    def get_page_title(self):
        return _("Panel: %(round)s") % {"round": self.round.name}

    def get_context_data(self, **kwargs):
        panel = selectors.round_panel(round=self.round)
        return super().get_context_data(competition=self.competition, round=self.round, panel=panel,
                                        back_url=self.results_url(), **kwargs)

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        judge = Judge.objects.filter(competition=self.competition, pk=_int(request.POST.get("judge"))).first()
        entry = Entry.objects.filter(competition=self.competition, pk=_int(request.POST.get("entry"))).first()
        if judge is None or (action in ("seat", "conflict") and entry is None):
            messages.error(request, _("Choose a judge and an entrant of this competition."))
            return redirect(request.path)
        try:
            if action == "assign":
                services.judge_assign(round=self.round, judge=judge, is_chief=request.POST.get("is_chief") == "on")
                messages.success(request, _("%(judge)s is on the panel.") % {"judge": judge.name})
            elif action == "seat":
                services.panel_seat_assign(round=self.round, judge=judge, entry=entry)
                messages.success(request, _("%(judge)s scores %(entrant)s.") % {"judge": judge.name, "entrant": entry})
            elif action == "conflict":
                services.conflict_declare(judge=judge, entry=entry, reason=request.POST.get("reason", ""))
                messages.success(request, _("Conflict recorded: %(judge)s no longer scores %(entrant)s.")
                                 % {"judge": judge.name, "entrant": entry})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(request.path)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- the quiz show's questions and event log ---------------------------------------------------


class QuizRoundMixin(CompetitionMixin):
    """A quiz round of the competition (404 for any other round)."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.round = get_object_or_404(Round.objects.select_related("competition"), pk=kwargs["round_id"],
                                       competition=self.competition, kind=RoundKind.QUIZ)

    def questions_url(self):
        return f"{reverse('competitions_quiz_questions:index')}?round={self.round.pk}"


class QuizQuestionsImportView(ImportMixin, RoundPageMixin, QuizRoundMixin, WagtailAdminTemplateMixin, TemplateView):
    """A quiz round's questions from Excel (序号, 环节, 题目, 答案, 答题时间（秒）, 队伍): check only, or
    import all rows or none; the sheet replaces the questions the show has not used yet."""

    template_name = "competitions/admin/quiz_questions_import.html"
    form_class = UploadForm

    def get_page_title(self):
        return _("Import quiz questions: %(round)s") % {"round": self.round.name}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            round=self.round,
            questions_url=self.questions_url(),
            template_url=reverse("competitions_results:quiz_questions_export", args=[self.competition.pk, self.round.pk]),
            layout=_("Columns 序号, 环节 (必答, 抢答, 风险 or 加赛), 题目, 答案, 答题时间（秒）(empty: 20), 队伍 (必答 and 风险 "
                     "only: the team whose turn it is). Each 序号 once: a new number adds a question, a known one "
                     "replaces it, a question the file no longer lists is deleted; questions the show has used stay "
                     "as they are."),
            **kwargs,
        )

    def run(self, upload, *, dry_run):
        return services.quiz_questions_import_file(upload, upload.name, round=self.round, dry_run=dry_run,
                                                   user=self.request.user)

    def success_url(self, result):
        return self.questions_url()


class QuizQuestionsExportView(QuizRoundMixin, View):
    """The round's questions in the import's layout (with no questions yet: the empty template)."""

    def get(self, request, *args, **kwargs):
        dataset = QuizQuestionResource(round=self.round).export()
        dataset.title = _("Questions")
        return xlsx_response(dataset, f"{self.competition.code}-{self.round.code}-quiz-questions")


class QuizEventsExportView(QuizRoundMixin, View):
    """The show's event log in Excel: every point with who, when and why, in the order made, and
    each team's totals on a second sheet. 404 while the round has no show."""

    def get(self, request, *args, **kwargs):
        show = selectors.quiz_show_for_round(self.round.pk)
        if show is None:
            raise Http404
        lines, totals = selectors.quiz_event_log(show)
        events = QuizEventResource().export(lines)
        events.title = _("Event log")
        teams = QuizTeamTotalResource().export(totals)
        teams.title = _("Team totals")
        return xlsx_response([events, teams], f"{self.competition.code}-{self.round.code}-quiz-events")
