"""Wagtail admin screens for spreadsheet imports: upload → preview with every error → confirm."""

import tablib
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .imports import get_import, registered_imports
from .models import ImportBatch
from .services import import_batch_cancel, import_batch_check, import_batch_confirm
from .spreadsheets import export_bytes

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet"),
        help_text=gettext_lazy("An .xlsx workbook (first sheet) or a .csv file, at most 50 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    extensions = (".xlsx", ".csv")
    wrong_extension = gettext_lazy("Upload an .xlsx or .csv file.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(self.extensions):
            raise forms.ValidationError(self.wrong_extension)
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return upload


class ImportSpecMixin:
    """Resolves the import named in the URL and checks the user may run it."""

    def dispatch(self, request, *args, **kwargs):
        self.spec = get_import(kwargs["kind"])
        if self.spec is None:
            raise Http404
        if not request.user.has_perm(self.spec.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse("frontline_imports:index"), "label": _("Imports")},
            {"url": reverse("frontline_imports:upload", args=[self.spec.key]), "label": self.spec.label},
        ]


class ImportIndexView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "home/admin/import_index.html"
    page_title = gettext_lazy("Imports")
    header_icon = "upload"

    def get_context_data(self, **kwargs):
        allowed = [s for s in registered_imports().values() if self.request.user.has_perm(s.permission)]
        if not allowed:
            raise PermissionDenied
        batches = ImportBatch.objects.filter(kind__in=[s.key for s in allowed]).select_related("uploaded_by")
        return super().get_context_data(
            imports=allowed, batches=batches[:50], labels={s.key: s.label for s in allowed}, **kwargs
        )


class ImportUploadView(ImportSpecMixin, WagtailAdminTemplateMixin, FormView):
    template_name = "home/admin/import_upload.html"
    form_class = UploadForm
    header_icon = "upload"

    def get_page_title(self):
        return _("Import: %(label)s") % {"label": self.spec.label}

    def get_context_data(self, **kwargs):
        alternatives = self.spec.alternatives() if self.spec.alternatives else []
        return super().get_context_data(spec=self.spec, alternatives=alternatives, **kwargs)

    def form_valid(self, form):
        batch = import_batch_check(spec=self.spec, uploaded_file=form.cleaned_data["file"], user=self.request.user)
        return redirect("frontline_imports:batch", self.spec.key, batch.pk)


class ImportBatchView(ImportSpecMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "home/admin/import_batch.html"
    header_icon = "upload"

    def get_page_title(self):
        return _("Import: %(label)s") % {"label": self.spec.label}

    def get_context_data(self, **kwargs):
        batch = get_object_or_404(ImportBatch, pk=self.kwargs["pk"], kind=self.spec.key)
        upload_url = reverse("frontline_imports:upload", args=[self.spec.key])
        return super().get_context_data(spec=self.spec, **batch_context(self.spec, batch, upload_url), **kwargs)

    def post(self, request, *args, **kwargs):
        batch, cancelled = confirm_or_cancel(request, self.spec, kwargs["pk"])
        if cancelled:
            return redirect("frontline_imports:upload", self.spec.key)
        return redirect("frontline_imports:batch", self.spec.key, batch.pk)


class ImportTemplateView(ImportSpecMixin, View):
    """An empty workbook with the layout's headers, for HR to fill in."""

    def get(self, request, *args, **kwargs):
        dataset = tablib.Dataset(headers=list(self.spec.all_headers), title=str(self.spec.label)[:31])
        response = HttpResponse(
            export_bytes(dataset, "xlsx"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{self.spec.key}-template.xlsx"'
        return response


def confirm_or_cancel(request, spec, batch_id):
    """The batch page's POST: "confirm" imports the previewed file, "cancel" abandons it;
    either way its file is deleted. Says what happened; returns (batch, cancelled)."""
    if request.POST.get("action") == "cancel":
        batch, cancelled = import_batch_cancel(spec=spec, batch_id=batch_id, user=request.user)
        if cancelled:
            messages.info(request, _("The upload was cancelled and its file deleted; nothing was imported."))
        return batch, cancelled
    batch, imported = import_batch_confirm(spec=spec, batch_id=batch_id, user=request.user)
    if imported:
        messages.success(
            request,
            _("Imported %(total)d rows: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.")
            % batch.summary,
        )
    elif batch.status == ImportBatch.Status.IMPORTED:
        messages.info(request, _("This file was already imported."))
    elif batch.status in (ImportBatch.Status.EXPIRED, ImportBatch.Status.CANCELLED):
        messages.error(request, _("This upload was not confirmed in time or was cancelled, and its file is deleted. Upload the file again."))
    else:
        messages.error(request, _("The file no longer passes the checks; nothing was imported."))
    return batch, False


def batch_context(spec, batch, upload_url):
    """Context of the shared batch page (home/admin/import_batch.html): every error, or the
    summary and the preview rows with only the columns the file had."""
    preview = batch.summary.get("preview", [])
    shown = set(preview[0][2]) if preview else set()
    headers = [h for h in spec.all_headers if h in shown]
    return {
        "batch": batch,
        "summary": batch.summary,
        "preview_headers": headers,
        "preview_rows": [(row, status, [values.get(h, "") for h in headers]) for row, status, values in preview],
        "upload_url": upload_url,
    }
