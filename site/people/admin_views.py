"""Admin views of the organisation directory beyond the generic viewsets.

The activation sheet: HR selects staff in the staff listing and prints one card per person
with a one-time link (and its QR code) to set their first password. New accounts have no
usable password, so the link is the only way in. An account that already has a password
gets no activation link (its link would be refused too): HR prints a password-reset sheet
for it instead, whose link ends every session of the account when it is used.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.bulk_action import BulkAction
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.models import ModelLogEntry

from home.qr import qr_svg

from .models import StaffProfile
from .privacy import can_see_personal_data
from .viewsets import ACTIVATION_SHEET_ACTION, RESET_SHEET_ACTION, StaffProfileFilterSet, staff_search_q

ACTIVATION_LINK_LOG_ACTION = "people.issue_activation_link"
RESET_LINK_LOG_ACTION = "people.issue_reset_link"

# A sheet is printed and handed out by hand; larger selections are a mistake (or a
# select-all over the whole directory) and would make one very slow page.
MAX_SHEET_SIZE = 200


def activation_url(request, user):
    """An absolute one-time link to set the user's password (Django's password-reset token)."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return request.build_absolute_uri(reverse("account_activate", args=[uidb64, token]))


def reset_url(request, user):
    """An absolute one-time link to choose a new password (account_views.ResetPasswordView)."""
    from .account_views import reset_token_generator

    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = reset_token_generator.make_token(user)
    return request.build_absolute_uri(reverse("account_reset", args=[uidb64, token]))


def log_activation_links(profiles, *, user, action=ACTIVATION_LINK_LOG_ACTION):
    """One history entry per person whose link was issued, written in one query."""
    content_type = ContentType.objects.get_for_model(StaffProfile)
    now = timezone.now()
    ModelLogEntry.objects.bulk_create(
        [
            ModelLogEntry(
                content_type=content_type,
                label=str(profile),
                action=action,
                timestamp=now,
                user=user,
                object_id=str(profile.pk),
            )
            for profile in profiles
        ]
    )


class ActivationSheetBulkAction(PermissionCheckedMixin, BulkAction):
    display_name = _("Print activation links")
    action_type = ACTIVATION_SHEET_ACTION
    aria_label = _("Print activation links for the selected staff")
    sheet_button_text = _("Print activation sheet")
    template_name = "people/admin/activation_confirm.html"
    sheet_template_name = "people/admin/activation_sheet.html"
    action_priority = 10
    models = [StaffProfile]
    permission_required = "change"
    log_action = ACTIVATION_LINK_LOG_ACTION

    @classmethod
    def get_queryset(cls, model, object_ids):
        if isinstance(object_ids, list):  # ids from the query string: ignore junk
            object_ids = [pk for pk in object_ids if pk.isdigit()]
        return (
            model.objects.filter(pk__in=object_ids)
            .select_related("user", "centre", "window")
            .order_by("centre__name", "staff_no")
        )

    def get_all_objects_in_listing_query(self, parent_id):
        # "Select all" carries the listing's query string: honour its filters and search.
        queryset = StaffProfile.objects.all()
        filters = StaffProfileFilterSet(self.request.GET, queryset=queryset, request=self.request)
        if filters.is_valid():
            queryset = filters.qs
        if query := self.request.GET.get("q", "").strip():
            queryset = queryset.filter(
                staff_search_q(query, include_personal_data=can_see_personal_data(self.request.user))
            )
        return queryset.values_list("pk", flat=True)

    def object_context(self, profile):
        can_log_in = profile.active and profile.user.is_active
        password_set = profile.user.has_usable_password()
        return {
            "item": profile,
            "can_log_in": can_log_in,
            "password_set": password_set,
            "issuable": self.issuable(can_log_in=can_log_in, password_set=password_set),
        }

    @staticmethod
    def issuable(*, can_log_in, password_set):
        """An activation link only for an account that can log in and has no password yet."""
        return can_log_in and not password_set

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sheet_title"] = self.display_name
        context["sheet_button_text"] = self.sheet_button_text
        context["max_sheet_size"] = MAX_SHEET_SIZE
        context["too_many"] = len(context["items"]) > MAX_SHEET_SIZE
        context["issuable_count"] = sum(1 for entry in context["items"] if entry["issuable"])
        context["password_set_count"] = sum(
            1 for entry in context["items"] if entry["can_log_in"] and entry["password_set"]
        )
        context["reset_sheet_url"] = reverse("wagtail_bulk_action", args=["people", "staffprofile", RESET_SHEET_ACTION])
        return context

    def make_url(self, user):
        return activation_url(self.request, user)

    def form_valid(self, form):
        profiles, _objects_without_access = self.get_actionable_objects()
        if len(profiles) > MAX_SHEET_SIZE:
            return self.form_invalid(form)

        cards, issued = [], []
        for profile in profiles:
            card = self.object_context(profile)
            # An inactive account cannot log in, so it gets no link; an activated account
            # gets no activation link (HR prints a password reset for it).
            if card["issuable"]:
                card["url"] = self.make_url(profile.user)
                card["qr_code"] = qr_svg(card["url"], scale=3, omitsize=False)
                issued.append(profile)
            cards.append(card)
        log_activation_links(issued, user=self.request.user, action=self.log_action)

        response = render(
            self.request,
            self.sheet_template_name,
            {
                "cards": cards,
                "valid_until": timezone.localtime() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT),
                "next": self.next_url,
                "reset": self.action_type == RESET_SHEET_ACTION,
            },
        )
        # The sheet holds live credentials: never keep it in a browser or proxy cache.
        add_never_cache_headers(response)
        return response


class PasswordResetSheetBulkAction(ActivationSheetBulkAction):
    """HR or an administrator prints one-time password-reset links for staff who already have a
    password (they forgot it, or it may be known to someone else). Using a link sets a new
    password and ends every session of the account."""

    display_name = _("Print password reset links")
    action_type = RESET_SHEET_ACTION
    aria_label = _("Print password reset links for the selected staff")
    sheet_button_text = _("Print password reset sheet")
    template_name = "people/admin/reset_confirm.html"
    action_priority = 20
    log_action = RESET_LINK_LOG_ACTION

    @staticmethod
    def issuable(*, can_log_in, password_set):
        return can_log_in and password_set

    def make_url(self, user):
        return reset_url(self.request, user)
