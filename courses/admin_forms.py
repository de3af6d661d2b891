"""The assignment form of the Wagtail admin: what to assign, by when, and to whom."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from people.audience import AudienceFormMixin

from .models import Assignment
from .services import ITEM_KINDS


class AssignmentForm(AudienceFormMixin, WagtailAdminModelForm):
    """Saving goes through courses.services (the views)."""

    class Meta:
        model = Assignment
        fields = ["page", "due_date", "mandatory", "centres", "posts", "vendors", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            # A new assignment is active; deactivating is a change made later.
            self.fields.pop("active", None)

    def clean_page(self):
        page = self.cleaned_data["page"]
        if page is not None and type(page.specific) not in ITEM_KINDS:
            raise ValidationError(_("Only courses, case scenarios and policy updates can be assigned."))
        return page

    def clean(self):
        cleaned = super().clean()
        audience = [cleaned.get(name) for name in ("centres", "posts", "vendors", "individual_staff_nos")]
        if not self.errors and not any(audience):
            raise ValidationError(_("Choose who the assignment is for."))
        return cleaned

