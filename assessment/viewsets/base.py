"""What the assessment viewsets share: centre scope (supervisors see and record only their
centres' records; HR and administrators every centre, selectors.centre_scope), records of a
month locked by an approved evaluation, and the base classes of the record listings and of
the screens that are not model listings."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.http import Http404
from django.shortcuts import redirect
from django.utils.functional import cached_property
from wagtail.admin.menu import MenuItem
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from .. import selectors, services
from ..forms.records import LockedMonthForm, ScopedFormMixin

# Menu items registered under this hook name appear in the 服务记录 menu.
RECORDS_MENU_HOOK = "register_service_records_menu_item"


class AssessmentPermissionPolicy(ModelPermissionPolicy):
    """A model's permissions, with the model's own named permissions (Meta.permissions, e.g.
    `compute_evaluations`) as actions of their own name."""

    def _get_permission_codename(self, action):
        if action in {codename for codename, _name in self.auth_model._meta.permissions}:
            return action
        return super()._get_permission_codename(action)


class ScreenViewSet(ViewSet):
    """Admin screens that are not a model listing, behind one permission of a policy: every
    view gets `permission_policy` and `permission_required` (PermissionCheckedMixin), and the
    menu item, if any, shows only to who has that permission."""

    permission_policy = None
    permission_required = "view"

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            permission_policy=self.permission_policy, permission_required=self.permission_required, **kwargs
        )

    def user_may_open(self, user):
        return self.permission_policy.user_has_permission(user, self.permission_required)

    @cached_property
    def menu_item_class(self):
        viewset = self

        class ScreenMenuItem(MenuItem):
            def is_shown(self, request):
                return viewset.user_may_open(request.user)

        return ScreenMenuItem


# --- Centre scope: listings, exports, inspect, edit, delete and history pages all go
# through it, and so do the forms' staff choices.


class CentreScopedMixin:
    """A view of records that belong to a service centre through `centre_lookup`."""

    centre_lookup = None

    def scoped(self, queryset):
        if self.centre_lookup is None:
            return queryset
        return selectors.in_centre_scope(queryset, self.request.user, self.centre_lookup)


class ScopedIndexView(CentreScopedMixin, generic.IndexView):
    def get_base_queryset(self):
        return self.scoped(super().get_base_queryset())


class ScopedObjectMixin(CentreScopedMixin):
    """A page of one record: a record outside the user's centres is not found (404)."""

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if not self.scoped(type(obj)._default_manager.filter(pk=obj.pk)).exists():
            raise Http404
        return obj


class ScopedInspectView(ScopedObjectMixin, generic.InspectView):
    pass


class ScopedEditView(ScopedObjectMixin, generic.EditView):
    pass


class ScopedHistoryView(ScopedObjectMixin, generic.HistoryView):
    pass


class ScopedUsageView(ScopedObjectMixin, generic.UsageView):
    pass


class CentreScopedViewSetMixin:
    """For a viewset of records that belong to a centre: every view is scoped."""

    centre_lookup = "staff__centre"
    index_view_class = ScopedIndexView
    edit_view_class = ScopedEditView
    inspect_view_class = ScopedInspectView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(centre_lookup=self.centre_lookup, **kwargs)

    def get_form_class(self, for_update=False):
        form_class = super().get_form_class(for_update)
        return type(form_class.__name__, (ScopedFormMixin, form_class), {})


# --- Records that count in a month's evaluation: create, edit and delete are refused
# while the month is approved (services.period_ensure_open).


class LockedMonthDeleteView(generic.DeleteView):
    """Deleting a finding, commendation or rating of an approved month is refused."""

    locked_date_field = None
    locked_what = ""

    def form_valid(self, form):
        try:
            services.period_ensure_open(
                months=[getattr(self.object, self.locked_date_field)], what=str(self.locked_what)
            )
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
            return redirect(self.get_success_url())
        return super().form_valid(form)


class ScopedLockedMonthDeleteView(ScopedObjectMixin, LockedMonthDeleteView):
    pass


class LockedMonthViewSetMixin:
    """Set locked_date_field and locked_what: the forms and the delete view refuse a change
    that touches an approved month."""

    locked_date_field = None
    locked_what = ""
    delete_view_class = ScopedLockedMonthDeleteView

    def get_form_class(self, for_update=False):
        form = type(
            "LockedForm", (LockedMonthForm,), {"date_field": self.locked_date_field, "what": self.locked_what}
        )
        return modelform_factory(
            self.model, form=form, formfield_callback=self.formfield_for_dbfield, fields=self.form_fields
        )

    def get_delete_view_kwargs(self, **kwargs):
        return super().get_delete_view_kwargs(
            locked_date_field=self.locked_date_field, locked_what=self.locked_what, **kwargs
        )


class RecordsViewSet(ModelViewSet):
    search_backend_name = None
    copy_view_enabled = False
    list_per_page = 50


class RecordedByCreateView(generic.CreateView):
    """Keeps who recorded a finding or commendation."""

    def save_instance(self):
        self.form.instance.recorded_by = self.request.user
        return super().save_instance()
