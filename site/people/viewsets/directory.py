"""Admin screens of the organisation's structure: service centres, windows, vendors and posts."""

from django import forms
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column

from ..admin_forms import ServiceCentreForm
from ..models import (
    Post,
    ServiceCentre,
    VendorCompany,
    Window,
)
from .base import DirectoryIndexView, DirectoryViewSet, field_label


class ServiceCentreViewSet(DirectoryViewSet):
    model = ServiceCentre
    icon = "site"
    menu_order = 2
    ordering = "name"
    list_display = [
        "name",
        "code",
        "address",
        "phone",
        Column("window_count", label=_("Windows"), sort_key="window_count"),
        Column("staff_count", label=_("Active staff"), sort_key="staff_count"),
        BooleanColumn("active", label=field_label(ServiceCentre, "active"), sort_key="active"),
    ]
    list_filter = ["active"]
    search_fields = ["name", "code", "address"]
    list_export = ["name", "code", "address", "phone", "window_count", "staff_count", "active"]
    export_headings = {"window_count": _("Windows"), "staff_count": _("Active staff")}
    export_filename = "frontline-service-centres"
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("name"), FieldPanel("code")]),
            FieldRowPanel([FieldPanel("address"), FieldPanel("phone")]),
            FieldPanel("supervisors", widget=forms.CheckboxSelectMultiple),
            FieldPanel("active"),
        ],
        base_form_class=ServiceCentreForm,
    )

    def get_listing_queryset(self):
        # distinct: the two joined relations would otherwise multiply each other's counts.
        return ServiceCentre.objects.annotate(
            window_count=Count("windows", distinct=True),
            staff_count=Count("staff", filter=Q(staff__active=True), distinct=True),
        )


class WindowIndexView(DirectoryIndexView):
    def get_export_value(self, item, field):
        if field == "posts":
            return [post.name for post in item.posts.all()]
        return super().get_export_value(item, field)


class WindowViewSet(DirectoryViewSet):
    model = Window
    icon = "desktop"
    menu_order = 3
    index_view_class = WindowIndexView
    ordering = "code"
    list_display = [
        "code",
        "name",
        "centre",
        Column(
            "posts",
            label=field_label(Window, "posts"),
            accessor=lambda window: ", ".join(post.name for post in window.posts.all()),
        ),
        Column("staff_count", label=_("Active staff"), sort_key="staff_count"),
        BooleanColumn("active", label=field_label(Window, "active"), sort_key="active"),
    ]
    list_filter = ["centre", "posts", "active"]
    search_fields = ["code", "name", "centre__name"]
    list_export = ["code", "name", "centre.name", "posts", "staff_count", "active"]
    export_headings = {
        "centre.name": field_label(Window, "centre"),
        "posts": field_label(Window, "posts"),
        "staff_count": _("Active staff"),
    }
    export_filename = "frontline-windows"
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("code"), FieldPanel("name")]),
            FieldPanel("centre"),
            FieldPanel("posts", widget=forms.CheckboxSelectMultiple),
            FieldPanel("active"),
        ]
    )

    def get_listing_queryset(self):
        return (
            Window.objects.select_related("centre")
            .prefetch_related("posts")
            .annotate(staff_count=Count("staff", filter=Q(staff__active=True)))
        )


class VendorCompanyViewSet(DirectoryViewSet):
    model = VendorCompany
    icon = "clipboard-list"
    menu_order = 4
    ordering = "name"
    list_display = [
        "name",
        "credit_code",
        "contact_name",
        "contact_phone",
        Column("staff_count", label=_("Active staff"), sort_key="staff_count"),
        BooleanColumn("active", label=field_label(VendorCompany, "active"), sort_key="active"),
    ]
    list_filter = ["active"]
    search_fields = ["name", "credit_code", "contact_name"]
    list_export = ["name", "credit_code", "contact_name", "contact_phone", "staff_count", "active"]
    export_headings = {"staff_count": _("Active staff")}
    export_filename = "frontline-vendor-companies"
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("name"), FieldPanel("credit_code")]),
            FieldRowPanel([FieldPanel("contact_name"), FieldPanel("contact_phone")]),
            FieldPanel("active"),
        ]
    )

    def get_listing_queryset(self):
        return VendorCompany.objects.annotate(staff_count=Count("staff", filter=Q(staff__active=True)))


class PostViewSet(DirectoryViewSet):
    model = Post
    icon = "tag"
    menu_order = 5
    ordering = "name"
    list_display = [
        "name",
        "description",
        Column("staff_count", label=_("Active staff"), sort_key="staff_count"),
    ]
    search_fields = ["name", "description"]
    list_export = ["name", "description", "staff_count"]
    export_headings = {"staff_count": _("Active staff")}
    export_filename = "frontline-posts"
    edit_handler = ObjectList([FieldPanel("name"), FieldPanel("description")])

    def get_listing_queryset(self):
        return Post.objects.annotate(staff_count=Count("staff", filter=Q(staff__active=True)))


