"""A month of evaluations in the admin: the list of computed months (with the button that
computes one) and each month's page, where HR takes the workflow's steps."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views import generic
from wagtail.admin.widgets.button import HeaderButton

from .. import roles, selectors, services
from ..forms.evaluations import ApproveForm, ReopenForm, WorkflowNoteForm
from ..models import EvaluationPeriod
from .base import RecordsViewSet


class EvaluationPeriodIndexView(generic.IndexView):
    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(roles.COMPUTE_EVALUATIONS):
            buttons.append(
                HeaderButton(_("Compute a month"), url=reverse("assessment_compute:index"), icon_name="plus")
            )
        return buttons


class EvaluationPeriodInspectView(generic.InspectView):
    """A month's page: first its status, the compute's progress, the changes made since
    approval and the buttons of the next allowed actions (with their note or reason); then
    the details: the preview of a recompute, counts per grade, blockers and the log. Each
    action says what it did, with numbers."""

    template_name = "assessment/evaluations/admin_period.html"

    def _forms(self, data=None, action=None):
        def bound(name):
            return data if action == name else None

        blockers = [selectors.describe_blocker(b) for b in self.object.blockers]
        return {
            selectors.ACTION_REVIEW: WorkflowNoteForm(bound("review"), prefix="review"),
            selectors.ACTION_APPROVE: ApproveForm(bound("approve"), prefix="approve", blockers=blockers),
            selectors.ACTION_REOPEN: ReopenForm(bound("reopen"), prefix="reopen"),
            selectors.ACTION_PUBLISH: WorkflowNoteForm(bound("publish"), prefix="publish"),
            selectors.ACTION_FINALIZE: WorkflowNoteForm(bound("finalize"), prefix="finalize"),
        }

    def get(self, request, *args, **kwargs):
        if request.GET.get("progress"):
            period = self.object
            return JsonResponse(
                {"state": period.task_state, "percent": period.task_percent, "message": period.task_message}
            )
        self.preview = None
        if request.GET.get("preview"):
            # 预览重新计算: HR only (the month page is HR's, but a reader must not trigger it).
            if not request.user.has_perm(roles.COMPUTE_EVALUATIONS):
                raise PermissionDenied
            try:
                self.preview = services.evaluations_recompute_preview(period=self.object, user=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        return super().get(request, *args, **kwargs)

    def _done_message(self, action, period, *, acknowledged=0, changes=0):
        """What the step did, with numbers (the month as it is after the step)."""
        headcount, pay_total = selectors.period_totals(period)
        values = {
            "month": period.month, "n": headcount, "pay": selectors.money_text(pay_total),
            "blockers": len(period.blockers), "acks": acknowledged, "changes": changes,
        }
        if action == selectors.ACTION_REVIEW:
            return _(
                "%(month)s reviewed: %(n)d people, performance pay total %(pay)s, %(blockers)d items to look at "
                "before approval."
            ) % values
        if action == selectors.ACTION_APPROVE:
            text = _("%(month)s approved: %(n)d people, performance pay total %(pay)s.") % values
            if acknowledged:
                text += _(" %(acks)d items acknowledged with a note.") % values
            return text
        if action == selectors.ACTION_REOPEN:
            return _(
                "%(month)s reopened to draft: the figures of %(n)d people can be recomputed; %(changes)d changes "
                "made since approval wait for the recompute."
            ) % values
        if action == selectors.ACTION_PUBLISH:
            values["notified"] = len(selectors.evaluation_recipients(period))
            values["deadline"] = f"{period.appeal_deadline:%Y-%m-%d}" if period.appeal_deadline else "—"
            return _(
                "%(month)s published: %(n)d people can read their receipt (%(notified)d notified); they may "
                "appeal until %(deadline)s."
            ) % values
        if action == selectors.ACTION_FINALIZE:
            return _("%(month)s finalized: %(n)d people, performance pay total %(pay)s.") % values
        return _("%(month)s: done.") % values

    def _compute_message(self, request, period, pending_before):
        """The compute runs in the background: say what it did if it has already finished
        (the immediate backend, a fast worker), else that it started."""
        period = type(period).objects.get(pk=period.pk)
        if period.task_state == "done":
            headcount, pay_total = selectors.period_totals(period)
            applied = pending_before - len(selectors.pending_period_changes(period))
            text = _(
                "%(month)s computed: %(n)d people, performance pay total %(pay)s, %(blockers)d items to look at."
            ) % {
                "month": period.month, "n": headcount, "pay": selectors.money_text(pay_total),
                "blockers": len(period.blockers),
            }
            if applied:
                text += _(" %(n)d changes made since approval are now in the figures.") % {"n": applied}
            messages.success(request, text)
        elif period.task_state == "failed":
            messages.error(request, period.task_message or _("The compute of %(month)s failed.") % {"month": period.month})
        else:
            messages.success(
                request,
                _("The compute of %(month)s has started; this page shows its progress and then the result.")
                % {"month": period.month},
            )

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "")
        forms_by_action = self._forms(request.POST, action)
        period = self.object
        try:
            if action == selectors.ACTION_COMPUTE:
                pending_before = len(selectors.pending_period_changes(period))
                services.compute_task_enqueue(period=period.month, user=request.user)
                self._compute_message(request, period, pending_before)
                return redirect(request.path)
            form = forms_by_action.get(action)
            if form is None:
                raise ValidationError(_("Unknown action."))
            if form.is_valid():
                data = form.cleaned_data
                acknowledged = changes = 0
                if action == selectors.ACTION_REVIEW:
                    done = services.period_review(period=period, user=request.user, note=data["note"])
                elif action == selectors.ACTION_APPROVE:
                    done = services.period_approve(
                        period=period, user=request.user, signed_off=data["signed_off"],
                        acknowledgements=form.acknowledgements(), note=data["note"],
                    )
                    acknowledged = len(done.acknowledged_blockers)
                elif action == selectors.ACTION_REOPEN:
                    done = services.period_reopen(period=period, user=request.user, reason=data["reason"])
                    changes = len(selectors.pending_period_changes(done))
                elif action == selectors.ACTION_PUBLISH:
                    done = services.period_publish(period=period, user=request.user, note=data["note"])
                elif action == selectors.ACTION_FINALIZE:
                    done = services.period_finalize(period=period, user=request.user)
                messages.success(
                    request, self._done_message(action, done, acknowledged=acknowledged, changes=changes)
                )
                return redirect(request.path)
        except ValidationError as exc:
            if action in forms_by_action and forms_by_action[action].is_bound:
                forms_by_action[action].add_error(None, " ".join(exc.messages))
            else:
                messages.error(request, " ".join(exc.messages))
                return redirect(request.path)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You may not do that."))
            return redirect(request.path)
        self.object = type(period).objects.get(pk=period.pk)
        context = self.get_context_data(forms=forms_by_action, failed_action=action)
        return self.render_to_response(context, status=400)

    def get_context_data(self, **kwargs):
        forms_by_action = kwargs.pop("forms", None) or self._forms()
        context = super().get_context_data(**kwargs)
        period = self.object
        today = timezone.localdate()
        pending = selectors.pending_appeal_count(period)
        allowed = selectors.period_actions(period, self.request.user, today=today, pending_appeals=pending)
        context["period_obj"] = period
        context["blocker_lines"] = [selectors.describe_blocker(b) for b in period.blockers]
        context["evaluations_url"] = reverse("assessment_evaluations:index") + f"?period={period.pk}"
        context["pay_sheet_url"] = (
            reverse("assessment_pay_sheet:export", args=[period.month])
            if period.locked and self.request.user.has_perm(roles.VIEW_EVALUATIONS)
            else ""
        )
        context["appeals_url"] = reverse("assessment_evaluation_appeals:index")
        context["grade_counts"] = selectors.grade_counts(period)
        context["headcount"] = sum(n for _value, _label, n in context["grade_counts"])
        context["actions"] = [(key, _ACTION_LABELS[key], forms_by_action.get(key)) for key in allowed]
        context["pending_appeals"] = pending
        context["appeal_open"] = period.appeal_open(today)
        context["period_log"] = selectors.period_log(period)
        context["appeal_log"] = selectors.appeal_log(period=period)
        context["figure_log"], context["figure_log_count"] = selectors.evaluation_figure_log(period=period)
        context["progress_url"] = self.request.path + "?progress=1"
        context["pending_changes"] = selectors.pending_period_changes(period)
        _headcount, pay_total = selectors.period_totals(period)
        context["pay_total"] = selectors.money_text(pay_total)
        context["can_preview"] = period.status != EvaluationPeriod.Status.DRAFT and self.request.user.has_perm(
            roles.COMPUTE_EVALUATIONS
        )
        context["preview_url"] = self.request.path + "?preview=1#recompute-preview"
        preview = getattr(self, "preview", None)
        context["preview"] = preview
        if preview is not None:
            context["preview_totals"] = {
                "changed_before": selectors.money_text(preview.changed_pay_before),
                "changed_after": selectors.money_text(preview.changed_pay_after),
                "before": selectors.money_text(preview.pay_before),
                "after": selectors.money_text(preview.pay_after),
                "difference": selectors.money_text(preview.pay_difference, signed=True),
            }
        return context


_ACTION_LABELS = {
    "compute": _("Compute (in the background)"),
    "review": _("Mark as reviewed (复核)"),
    "approve": _("Approve and lock"),
    "reopen": _("Reopen to draft"),
    "publish": _("Publish to staff"),
    "finalize": _("Finalize"),
}


class EvaluationPeriodViewSet(RecordsViewSet):
    """The computed months, their workflow status and blockers; the workflow's buttons are
    on each month's page (the policy allows viewing only: no generic edit)."""

    model = EvaluationPeriod
    icon = "date"
    menu_order = 5
    list_display = ["month", "status", "computed_at", "computed_by", "blocker_count", "appeal_deadline"]
    list_filter = ["status"]
    index_view_class = EvaluationPeriodIndexView
    inspect_view_class = EvaluationPeriodInspectView
    form_fields = ["status"]  # never shown: the policy allows viewing only
    inspect_view_enabled = True
    inspect_view_fields = [
        "month", "status", "computed_at", "computed_by", "reviewed_at", "reviewed_by", "approved_at", "approved_by",
        "published_at", "published_by", "appeal_deadline", "finalized_at",
    ]

