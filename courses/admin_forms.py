"""The assignment form of the Wagtail admin: what to assign, by when, and to whom."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from people.audience import AudienceFormMixin

from . import selectors
from .models import Assignment, CoursePage
from .services import ITEM_KINDS


class AssignmentForm(AudienceFormMixin, WagtailAdminModelForm):
    """Saving goes through courses.services (the views)."""

    other_posts_confirmed = forms.BooleanField(
        label=_("Assign to people outside the course's target posts as well"),
        required=False,
        help_text=_("Needed only when the audience reaches people whose post the course is not meant for."),
    )

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
        if not self.errors and not cleaned.get("other_posts_confirmed"):
            self._check_target_posts(cleaned)
        return cleaned

    def _check_target_posts(self, cleaned):
        page = cleaned.get("page")
        course = page.specific if page is not None else None
        if not isinstance(course, CoursePage):
            return
        target = list(course.target_posts.all())
        if not target:
            return
        count, examples = selectors.audience_outside_posts(
            post_ids=[post.pk for post in target],
            centre_ids=[c.pk for c in cleaned.get("centres") or []],
            audience_post_ids=[p.pk for p in cleaned.get("posts") or []],
            vendor_ids=[v.pk for v in cleaned.get("vendors") or []],
            staff_ids=[s.pk for s in cleaned.get("individual_staff_nos") or []],
        )
        if count:
            no_post = _("no post")
            self.add_error(
                "other_posts_confirmed",
                _(
                    "The course is meant for %(posts)s; %(count)d people in this audience hold other posts "
                    "(for example %(examples)s). Narrow the audience, or tick this box to assign it to them as well."
                )
                % {
                    "posts": "、".join(post.name for post in target),
                    "count": count,
                    "examples": "、".join(
                        "{}（{}，{}）".format(person.name, person.staff_no, person.post.name if person.post_id else no_post)
                        for person in examples
                    ),
                },
            )

