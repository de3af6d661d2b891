"""Querysets compiled to SQL once per process, then run with new values.

The pages a whole centre opens at the same minute (the cover page, the start, the answer
sheet) run the same few queries for every candidate, with other keys. Building and
compiling a queryset costs Django several times what running it costs: the answer sheet's
query took 1.3 ms of CPU through the ORM and 0.4 ms compiled once (bench_preliminary).
A CompiledQuery builds its values_list queryset once with placeholder keys, keeps the SQL
and Django's converters, and for each call only puts the keys in and converts the rows as
the queryset would have. What it may hold is fixed by the code: keys, never data.
"""

import inspect
import threading

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.transaction import TransactionManagementError

# Placeholder keys: integers no row has, one per parameter, found again in the SQL's params.
_PLACEHOLDER_BASE = -987_654_000


class CompiledQuery:
    """`build(**keys)` returns a values_list queryset whose shape does not depend on the keys;
    `rows(**keys)` runs it with these keys (integers) and returns its rows as tuples."""

    def __init__(self, build):
        self.build = build
        self.names = list(inspect.signature(build).parameters)
        # Per thread: Django's connections (and the converters bound to them) are.
        self._local = threading.local()

    def _compile(self, connection):
        placeholders = {name: _PLACEHOLDER_BASE - i for i, name in enumerate(self.names)}
        queryset = self.build(**placeholders)
        compiler = queryset.query.get_compiler(connection=connection)
        # as_sql refuses FOR UPDATE outside a transaction; the first call runs inside one.
        sql, params = compiler.as_sql()
        slots = {name: [i for i, value in enumerate(params) if value == placeholder]
                 for name, placeholder in placeholders.items()}
        if not all(slots.values()) or sum(map(len, slots.values())) != sum(
                1 for value in params if value in placeholders.values()):
            raise ValueError(f"{self.build.__qualname__}: every key must reach the SQL as a parameter")
        columns = compiler.col_count
        converters = compiler.get_converters([expression for expression, _sql, _alias in compiler.select[:columns]])
        compiled = (connection, sql, tuple(params), slots, compiler, columns, converters,
                    bool(queryset.query.select_for_update))
        self._local.__dict__[connection.alias] = compiled
        return compiled

    def rows(self, using=DEFAULT_DB_ALIAS, **keys):
        connection = connections[using]
        compiled = self._local.__dict__.get(using)
        if compiled is None or compiled[0] is not connection:
            compiled = self._compile(connection)
        _connection, sql, params, slots, compiler, columns, converters, locks = compiled
        if locks and connection.features.has_select_for_update and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = list(params)
        for name, positions in slots.items():
            value = int(keys[name])
            for position in positions:
                params[position] = value
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if rows and len(rows[0]) != columns:
            rows = [row[:columns] for row in rows]
        if converters:
            rows = [tuple(row) for row in compiler.apply_converters(rows, converters)]
        return rows


def model_fields(model, prefix=""):
    """The values_list names of every concrete field of `model` (through `prefix`), in the
    order instance() reads them."""
    return [f"{prefix}{field.attname}" for field in model._meta.concrete_fields]


def instance(model, values, using=DEFAULT_DB_ALIAS):
    """A model instance from a row's values of model_fields(model), as the ORM makes it."""
    return model.from_db(using, [field.attname for field in model._meta.concrete_fields], values)
