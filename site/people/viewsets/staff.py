"""Wagtail admin screens of the organisation directory, grouped under one Organisation menu.

Staff phone and ID numbers are personal data: the staff listing, its export and the
inspect view show them masked (前3后4) to anyone without ``people.view_personal_data``,
and the edit form leaves them out for such users, so they can neither read nor
overwrite them. The performance pay base follows the same permission (a trainer sees
no pay).

Listings search with the ORM (``icontains``) rather than a Wagtail search backend:
full-text backends do not split Chinese names into words, and bulk roster imports do
not update a search index.
"""

import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.menus import MenuItem as ListingMenuItem
from wagtail.admin.ui.tables import BooleanColumn, BulkActionsCheckboxColumn, Column, TitleColumn
from wagtail.admin.views import generic

from .. import resources as roster
from ..admin_forms import StaffProfileForm, VendorManagerForm
from ..models import (
    CentreMove,
    StaffPayBase,
    StaffProfile,
    VendorManager,
)
from ..privacy import PERSONAL_DATA_PERMISSION, can_see_personal_data
from .base import DirectoryIndexView, DirectoryViewSet, field_label

# The bulk action (see admin_views.ActivationSheetBulkAction) that prints activation links.
ACTIVATION_SHEET_ACTION = "activation_sheet"
# The bulk action (admin_views.PasswordResetSheetBulkAction) that prints password-reset links.
RESET_SHEET_ACTION = "password_reset_sheet"

# The staff export uses the roster layout's headers (DESIGN, "Spreadsheet layouts"), so HR
# can edit an unmasked export and import it again.
ROSTER_EXPORT_HEADINGS = {
    "staff_no": roster.STAFF_NO,
    "name": roster.NAME,
    "phone": roster.PHONE,
    "id_number": roster.ID_NUMBER,
    "centre.name": roster.CENTRE,
    "window.code": roster.WINDOW_CODE,
    "window.name": roster.WINDOW_NAME,
    "vendor.name": roster.VENDOR,
    "post.name": roster.POST,
    "hire_date": roster.HIRE_DATE,
    "pay_base": roster.PAY_BASE,
    "leave_date": roster.LEAVE_DATE,
}
MASKED_FIELDS = {"phone": "masked_phone", "id_number": "masked_id_number"}
PAY_FIELDS = {"pay_base"}



def staff_search_q(query, *, include_personal_data):
    """Staff matching a search: by 工号 or name, and by phone or ID number only for those
    allowed to see them (otherwise a search would reveal the hidden digits)."""
    condition = Q(staff_no__icontains=query) | Q(name__icontains=query)
    if include_personal_data:
        condition |= Q(phone__icontains=query) | Q(id_number__icontains=query)
    return condition


class StaffProfileFilterSet(WagtailFilterSet):
    password = django_filters.ChoiceFilter(
        label=_("Password"),
        choices=[("set", _("Set")), ("not_set", _("Not set yet"))],
        empty_label=_("All"),
        widget=forms.RadioSelect,
        method="filter_password",
    )

    class Meta:
        model = StaffProfile
        fields = ["centre", "vendor", "post", "active"]

    def filter_password(self, queryset, name, value):
        # New accounts carry an unusable password until the activation link is used.
        not_set = Q(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
        return queryset.exclude(not_set) if value == "set" else queryset.filter(not_set)



class StaffProfileIndexView(DirectoryIndexView):
    template_name = "people/admin/staff_profile_index.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if not can_see_personal_data(request.user):
            self.list_export = [field for field in self.list_export if field not in PAY_FIELDS]

    @cached_property
    def shows_personal_data(self):
        return can_see_personal_data(self.request.user)

    @cached_property
    def can_issue_activation_links(self):
        return self.user_has_permission("change")

    @cached_property
    def list_display(self):
        if self.shows_personal_data:
            phone = "phone"
        else:
            # Not sortable: the order of the hidden digits would leak through the sort.
            phone = Column("masked_phone", label=field_label(StaffProfile, "phone"))
        return [
            "staff_no",
            "name",
            phone,
            "centre",
            "window",
            "vendor",
            "post",
            BooleanColumn("active", label=field_label(StaffProfile, "active"), sort_key="active"),
            BooleanColumn(
                "password_set",
                label=_("Password set"),
                accessor=lambda profile: profile.user.has_usable_password(),
            ),
        ]

    @cached_property
    def columns(self):
        columns = super().columns
        if self.can_issue_activation_links:
            columns = [BulkActionsCheckboxColumn("bulk_actions", obj_type="staffprofile"), *columns]
        return columns

    def _get_title_column(self, field_name, column_class=TitleColumn, **kwargs):
        # The bulk-action checkbox refers to this element for screen readers.
        return super()._get_title_column(
            field_name,
            column_class,
            get_title_id=lambda profile: f"staffprofile_{quote(profile.pk)}_title",
            **kwargs,
        )

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return queryset.filter(
            staff_search_q(self.search_query, include_personal_data=self.shows_personal_data)
        )

    def get_export_value(self, item, field):
        if field in MASKED_FIELDS and not self.shows_personal_data:
            field = MASKED_FIELDS[field]
        return super().get_export_value(item, field)

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.can_issue_activation_links:
            # An account with a password gets a password reset, never a second activation.
            if instance.user.has_usable_password():
                action, label = RESET_SHEET_ACTION, _("Password reset link")
            else:
                action, label = ACTIVATION_SHEET_ACTION, _("Activation link")
            url = reverse("wagtail_bulk_action", args=["people", "staffprofile", action])
            query = urlencode({"id": instance.pk, "next": self.request.get_full_path()})
            buttons.append(ListingMenuItem(label, url=f"{url}?{query}", icon_name="key", priority=40))
        return buttons

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["can_issue_activation_links"] = self.can_issue_activation_links
        return context


class StaffProfileInspectView(generic.InspectView):
    def get_fields(self):
        fields = super().get_fields()
        if not can_see_personal_data(self.request.user):
            fields = [field for field in fields if field not in PAY_FIELDS]
        return fields

    def get_phone_display_value(self):
        if can_see_personal_data(self.request.user):
            return self.object.phone
        return self.object.masked_phone

    def get_id_number_display_value(self):
        if can_see_personal_data(self.request.user):
            return self.object.id_number
        return self.object.masked_id_number


class StaffProfileViewSet(DirectoryViewSet):
    model = StaffProfile
    icon = "user"
    menu_order = 1
    index_view_class = StaffProfileIndexView
    inspect_view_class = StaffProfileInspectView
    inspect_view_enabled = True
    inspect_view_fields = [
        "staff_no",
        "name",
        "phone",
        "id_number",
        "centre",
        "window",
        "vendor",
        "post",
        "hire_date",
        "leave_date",
        "pay_base",
        "active",
        "created_at",
        "updated_at",
    ]
    ordering = "staff_no"
    # Enables the search box; StaffProfileIndexView.search_queryset adds the personal-data fields.
    search_fields = ["staff_no", "name"]
    filterset_class = StaffProfileFilterSet
    # The roster's own columns only (an import refuses unknown columns); 离职日期 says who left.
    list_export = [*ROSTER_EXPORT_HEADINGS]
    export_headings = ROSTER_EXPORT_HEADINGS
    export_filename = "frontline-staff"
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("staff_no"), FieldPanel("name")]),
                    FieldRowPanel(
                        [
                            FieldPanel("phone", permission=PERSONAL_DATA_PERMISSION),
                            FieldPanel("id_number", permission=PERSONAL_DATA_PERMISSION),
                        ]
                    ),
                ],
                heading=_("Person"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("centre"), FieldPanel("window")]),
                    FieldRowPanel([FieldPanel("vendor"), FieldPanel("post")]),
                    FieldRowPanel([FieldPanel("hire_date"), FieldPanel("leave_date")]),
                ],
                heading=_("Workplace"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("pay_base", permission=PERSONAL_DATA_PERMISSION),
                    FieldPanel("effective_from"),
                    FieldPanel(
                        "active",
                        help_text=_(
                            "Inactive staff cannot log in: their account is deactivated too. Deactivating "
                            "records the last working day (today unless entered above); they are still "
                            "evaluated for the months they worked in."
                        ),
                    ),
                ],
                heading=_("Pay and status"),
            ),
        ],
        base_form_class=StaffProfileForm,
    )

    def get_listing_queryset(self):
        return StaffProfile.objects.select_related("user", "centre", "window", "vendor", "post")


class CentreMoveViewSet(DirectoryViewSet):
    """Moves are recorded by the roster import and the staff form; HR corrects their date."""

    model = CentreMove
    icon = "arrow-right"
    menu_order = 7
    add_view_enabled = False
    list_display = ["staff", "from_centre", "to_centre", "moved_on", "recorded_by", "recorded_at"]
    list_filter = ["to_centre", "moved_on"]
    search_fields = ["staff__staff_no", "staff__name"]
    ordering = ["-moved_on", "-pk"]
    form_fields = ["moved_on"]

    def get_listing_queryset(self):
        return CentreMove.objects.select_related("staff", "from_centre", "to_centre", "recorded_by")


class _SyncsProfilePayBase:
    """After an entry is saved or deleted, the profile shows the newest base again."""

    def _sync(self, staff_id):
        from ..services import pay_base_profile_sync

        pay_base_profile_sync(staff_id=staff_id)


class PayBaseCreateView(_SyncsProfilePayBase, generic.CreateView):
    def save_instance(self):
        instance = self.form.save(commit=False)
        instance.recorded_by = self.request.user
        instance.save()
        self._sync(instance.staff_id)
        return instance


class PayBaseEditView(_SyncsProfilePayBase, generic.EditView):
    def save_instance(self):
        instance = self.form.save(commit=False)
        instance.recorded_by = self.request.user
        instance.save()
        self._sync(instance.staff_id)
        return instance


class PayBaseDeleteView(_SyncsProfilePayBase, generic.DeleteView):
    def delete_action(self):
        staff_id = self.object.staff_id
        super().delete_action()
        self._sync(staff_id)


class StaffPayBaseViewSet(DirectoryViewSet):
    """绩效工资基数 history: the roster import and the staff form record it; HR corrects or
    adds dated entries here. Each month is paid on the entry in force at its end."""

    model = StaffPayBase
    icon = "date"
    menu_order = 8
    add_view_class = PayBaseCreateView
    edit_view_class = PayBaseEditView
    delete_view_class = PayBaseDeleteView
    list_display = ["staff", "effective_from", "amount", "recorded_by", "recorded_at"]
    list_filter = ["effective_from"]
    search_fields = ["staff__staff_no", "staff__name"]
    ordering = ["staff__staff_no", "-effective_from"]
    form_fields = ["staff", "effective_from", "amount"]

    def get_listing_queryset(self):
        return StaffPayBase.objects.select_related("staff", "recorded_by")


class VendorManagerViewSet(DirectoryViewSet):
    model = VendorManager
    icon = "view"
    menu_order = 6
    ordering = "user__username"
    list_display = [
        "user",
        Column(
            "full_name",
            label=_("Name"),
            accessor=lambda manager: manager.user.get_full_name(),
        ),
        "vendor",
    ]
    list_filter = ["vendor"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "vendor__name"]
    list_export = ["user.username", "user.first_name", "user.last_name", "vendor.name"]
    export_headings = {
        "user.username": _("Username"),
        "user.first_name": _("First name"),
        "user.last_name": _("Last name"),
        "vendor.name": field_label(VendorManager, "vendor"),
    }
    export_filename = "frontline-vendor-managers"
    edit_handler = ObjectList(
        [FieldPanel("user"), FieldPanel("vendor")],
        base_form_class=VendorManagerForm,
    )

    def get_listing_queryset(self):
        return VendorManager.objects.select_related("user", "vendor")


