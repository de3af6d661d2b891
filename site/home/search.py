"""Search backend that finds Chinese text anywhere in a title or body.

Wagtail's database backend (modelsearch) tokenises on spaces and punctuation: SQLite's
FTS5 and PostgreSQL's tsvector both see "窗口接待与投诉化解" as one word, so "窗口接待"
(a prefix) is found and "投诉化解" (from the middle) is not. A query that holds CJK
characters is therefore answered by substring matching on the plain-text copies the
index already keeps (IndexEntry.title/body on SQLite, title_text/body_text on
PostgreSQL); every other query goes to the native full-text backend unchanged.
"""

import re

from django.db import connection
from django.db.models import Case, FloatField, IntegerField, Q, Value, When
from modelsearch.backends.base import BaseSearchResults
from modelsearch.backends.database import SearchBackend as native_backend
from modelsearch.conf import get_app_config
from modelsearch.query import Phrase, PlainText
from modelsearch.utils import get_descendants_content_types_pks

# CJK Unified Ideographs (with extension A), compatibility ideographs, CJK punctuation,
# kana and full-width forms: text that full-text parsers do not split into words.
CJK = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")

# Titles are small; a match cap keeps a one-character query on a big site bounded.
MAX_MATCHES = 5000


def query_text(query):
    """The text of a plain query (a string, or the PlainText/Phrase the admin parses)."""
    if isinstance(query, (PlainText, Phrase)):
        return query.query_string
    return query if isinstance(query, str) else None


def has_cjk(query):
    text = query_text(query)
    return text is not None and bool(CJK.search(text))


def _text_columns():
    if connection.vendor == "postgresql":
        return "title_text", "body_text"
    return "title", "body"


def matching_ids(model, query, *, fields=None):
    """Primary keys (as stored in the index) of `model` and its subclasses whose indexed
    title or body contains every whitespace-separated term of `query`, split into
    (title matches, body-only matches)."""
    IndexEntry = get_app_config().get_model("IndexEntry")  # noqa: N806 - wagtail.search's, not modelsearch's

    title_col, body_col = _text_columns()
    title_only = bool(fields) and set(fields) <= {"title"}
    entries = IndexEntry.objects.filter(content_type_id__in=get_descendants_content_types_pks(model))
    in_title = Q()
    for term in query.split():
        title_has = Q(**{f"{title_col}__icontains": term})
        in_title &= title_has
        entries = entries.filter(title_has if title_only else title_has | Q(**{f"{body_col}__icontains": term}))
    rows = entries.annotate(
        title_rank=Case(When(in_title, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).values_list("object_id", "title_rank")[:MAX_MATCHES]
    title_ids, body_ids = [], []
    for object_id, rank in rows:
        (title_ids if rank == 0 else body_ids).append(object_id)
    return title_ids, body_ids


class _Compiled:
    """What a search results object needs of a query compiler: the final queryset."""

    def __init__(self, queryset):
        self.queryset = queryset


class SubstringSearchResults(BaseSearchResults):
    def _do_search(self):
        queryset = self.query_compiler.queryset
        if self._score_field:
            queryset = queryset.annotate(**{self._score_field: Value(None, output_field=FloatField())})
        return queryset[self.start : self.stop]

    def _do_count(self):
        return self.query_compiler.queryset[self.start : self.stop].count()


class CJKSubstringMixin:
    """Route CJK queries to substring matching; leave the rest to the native backend."""

    def _substring_results(self, query, model_or_queryset, fields=None, order_by_relevance=True):
        queryset = model_or_queryset
        if not hasattr(queryset, "model"):
            queryset = queryset._default_manager.all()
        to_pk = queryset.model._meta.pk.to_python
        title_ids, body_ids = matching_ids(queryset.model, query_text(query), fields=fields)
        title_pks = [to_pk(object_id) for object_id in title_ids]
        queryset = queryset.filter(pk__in=title_pks + [to_pk(object_id) for object_id in body_ids])
        if order_by_relevance:
            # Title matches first, then in the queryset's own order (or the newest first).
            title_first = Case(When(pk__in=title_pks, then=Value(0)), default=Value(1), output_field=IntegerField())
            queryset = queryset.order_by(title_first, *(queryset.query.order_by or ["-pk"]))
        return SubstringSearchResults(self, _Compiled(queryset))

    def search(self, query, model_or_queryset, fields=None, operator=None, order_by_relevance=True, **kwargs):
        if has_cjk(query):
            return self._substring_results(query, model_or_queryset, fields, order_by_relevance)
        return super().search(
            query, model_or_queryset, fields=fields, operator=operator, order_by_relevance=order_by_relevance,
            **kwargs,
        )

    def autocomplete(self, query, model_or_queryset, fields=None, operator=None, order_by_relevance=True, **kwargs):
        if has_cjk(query):
            return self._substring_results(query, model_or_queryset, fields, order_by_relevance)
        return super().autocomplete(
            query, model_or_queryset, fields=fields, operator=operator, order_by_relevance=order_by_relevance,
            **kwargs,
        )


_classes = {}


def SearchBackend(params):  # noqa: N802 - Wagtail looks the backend up by this name
    native = native_backend(params)
    native_class = type(native)
    if native_class not in _classes:
        _classes[native_class] = type(f"CJK{native_class.__name__}", (CJKSubstringMixin, native_class), {})
    backend = _classes[native_class].__new__(_classes[native_class])
    backend.__dict__.update(native.__dict__)
    return backend
