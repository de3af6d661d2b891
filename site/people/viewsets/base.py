"""Shared pieces of the organisation directory's admin listings."""

from django.utils.text import capfirst
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet


def field_label(model, field_name):
    return capfirst(model._meta.get_field(field_name).verbose_name)


class DirectoryIndexView(generic.IndexView):
    """Listing with an export that tolerates empty relations and opens cleanly in Excel."""

    def to_row_dict(self, item):
        return {field: self.get_export_value(item, field) for field in self.list_export}

    def get_export_value(self, item, field):
        value = item
        for attribute in field.split("."):
            if value is None:  # an empty relation, e.g. staff employed without a vendor
                return None
            value = getattr(value, attribute)
        return value

    def stream_csv(self, queryset):
        # Excel reads a CSV file as UTF-8 (and shows Chinese correctly) only after a BOM.
        yield "\ufeff"
        yield from super().stream_csv(queryset)


class DirectoryViewSet(ModelViewSet):
    index_view_class = DirectoryIndexView
    search_backend_name = None
    copy_view_enabled = False
    list_per_page = 50

    def get_listing_queryset(self):
        return self.model._default_manager.all()

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(queryset=self.get_listing_queryset(), **kwargs)


