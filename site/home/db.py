"""Database helpers for the large, set-based reads and writes (imports, monthly computes).

Django's bulk paths compile SQL per value; at 10,000 people or a million ratings that is
most of the time spent, so these helpers hand rows to the driver as they are.
"""

import datetime as dt

from django.db import connection
from django.db.models import Q
from django.utils import timezone

BATCH_SIZE = 1000

# Above this many ids an `IN (…)` filter is left out and callers keep the rows they asked
# for in Python: Django prepares each value of an IN list one by one (about 0.1 s per
# 10,000 ids and query), and a set that large is most of the table anyway.
LARGE_ID_SET = 1000


def ids_filter(field, ids):
    """Q(field__in=ids) for a small set of ids; Q() (no filter) for a large one, whose rows
    the caller then keeps by id (`if row_id in wanted`)."""
    if len(ids) > LARGE_ID_SET:
        return Q()
    return Q(**{f"{field}__in": list(ids)})


def refresh_statistics(*models):
    """ANALYZE the tables after a large write, so the planner sees their new sizes at once.

    Without statistics SQLite drives a month's bad-review cases from the month's ratings
    (200,000 index probes) instead of from the few thousand cases: 0.4 s against 0.01 s.
    PostgreSQL's autovacuum gets there too, later; ANALYZE samples, so it stays cheap."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 2000")  # sample, as PostgreSQL does
        for model in models:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")


PLAIN_FIELD_TYPES = {
    "CharField", "TextField", "BooleanField", "IntegerField", "SmallIntegerField", "BigIntegerField",
    "PositiveIntegerField", "PositiveSmallIntegerField", "PositiveBigIntegerField",
}


def _datetime_adapter(field):
    """Aware datetimes straight to the driver's form (UTC text on SQLite, as they are on
    PostgreSQL); anything else through the field."""
    if connection.vendor == "sqlite":
        utc = connection.timezone

        def to_db(value):
            return str(value.astimezone(utc).replace(tzinfo=None))

    else:

        def to_db(value):
            return value

    def adapt(value):
        if type(value) is dt.datetime and value.tzinfo is not None:
            return to_db(value)
        return field.get_db_prep_save(value, connection)

    return adapt


def _memo_adapter(field):
    """Through the field's get_db_prep_save, once per distinct value (decimals, dates)."""
    memo = {}

    def adapt(value):
        try:
            return memo[value]
        except KeyError:
            memo[value] = prepared = field.get_db_prep_save(value, connection)
            return prepared
        except TypeError:  # unhashable
            return field.get_db_prep_save(value, connection)

    return adapt


def _db_adapters(fields):
    """[(attname, adapt or None)]: how each field's value goes to the driver."""
    adapters = []
    for field in fields:
        kind = field.get_internal_type()
        if kind in PLAIN_FIELD_TYPES or (
            field.is_relation and field.target_field.get_internal_type() in ("AutoField", "BigAutoField")
        ):
            adapters.append((field.attname, None))  # str, int, bool and None go as they are
        elif kind == "DateTimeField":
            adapters.append((field.attname, _datetime_adapter(field)))
        elif kind == "JSONField":
            adapters.append((field.attname, lambda value, field=field: field.get_db_prep_save(value, connection)))
        else:
            adapters.append((field.attname, _memo_adapter(field)))
    return adapters


def _db_row(obj, adapters):
    return [getattr(obj, attname) if adapt is None else adapt(getattr(obj, attname)) for attname, adapt in adapters]


def fast_insert(model, objects, batch_size=BATCH_SIZE):
    """INSERT many rows with executemany (COPY on PostgreSQL): bulk_create's per-value SQL
    compilation is the floor of a large import (measured: 3/4 of a 31,000-row attendance
    month). `objects` may be model instances or any objects with the fields' attnames. No
    signals, no returned ids (callers do not need them)."""
    if not objects:
        return
    now = None
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            now = now or timezone.now()
            for obj in objects:
                setattr(obj, field.attname, now)
    adapters = _db_adapters(fields)
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        # COPY … FROM STDIN: several times faster than executemany on PostgreSQL (psycopg 3).
        copy_sql = "COPY {} ({}) FROM STDIN".format(
            quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
        )
        with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
            for obj in objects:
                copy.write_row(_db_row(obj, adapters))
        return
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch_size):
            rows = [_db_row(obj, adapters) for obj in objects[start : start + batch_size]]
            cursor.executemany(sql, rows)


def fast_update(model, objects, field_names, batch_size=BATCH_SIZE):
    """UPDATE many rows by primary key with one parametrised statement run by executemany
    (pipelined on PostgreSQL): bulk_update's CASE WHEN per field and row grows with the batch
    on SQLite (a 10,000-person recompute took over a minute). No signals."""
    if not objects:
        return
    fields = [model._meta.get_field(name) for name in field_names]
    adapters = _db_adapters(fields)
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(model._meta.db_table),
        ", ".join(f"{quote(f.column)} = %s" for f in fields),
        quote(model._meta.pk.column),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch_size):
            rows = [_db_row(obj, adapters) + [obj.pk] for obj in objects[start : start + batch_size]]
            cursor.executemany(sql, rows)
