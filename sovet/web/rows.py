"""Model instances from hand-written queries, for the few paths where the ORM's compiling of a
query costs more than the database's answer (every vote, every token check).

The instances are what the ORM itself would build (`Model.from_db`, with the backend's
converters applied), so code after the query cannot tell the difference.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models

M = TypeVar("M", bound=models.Model)


def fields(model: type[models.Model]) -> list[str]:
    """The model's concrete column names (attnames), in the order `instance` expects them."""
    return [name for name, _, _ in _plan(model, _db().vendor)]


_columns: dict[tuple[type[models.Model], str, str], str] = {}


def columns(model: type[models.Model], alias: str) -> str:
    """The select list of `fields(model)`, each prefixed with the table's `alias`."""
    db = _db()
    key = (model, alias, db.vendor)
    if key not in _columns:
        quote = db.ops.quote_name
        _columns[key] = ", ".join(f"{alias}.{quote(f.column)}"
                                  for f in model._meta.concrete_fields)
    return _columns[key]


Converter = Callable[[Any, Any, Any], Any]
_Plan = tuple[tuple[str, tuple[Converter, ...], Any], ...]
_plans: dict[tuple[type[models.Model], str], _Plan] = {}


def _plan(model: type[models.Model], vendor: str) -> _Plan:
    """Per concrete field: its attname, the converters the ORM would apply (the backend's and
    the field's own, as `SQLCompiler.get_converters` gathers them), and the field."""
    key = (model, vendor)
    if key not in _plans:
        plan = []
        for field in model._meta.concrete_fields:
            col = field.get_col(model._meta.db_table)
            converters = (*_db().ops.get_db_converters(col),
                          *col.get_db_converters(_db()))
            plan.append((field.attname, tuple(converters), field))
        _plans[key] = tuple(plan)
    return _plans[key]


def instance(model: type[M], values: Sequence[object]) -> M:
    """A `model` instance from a row of `columns(model, …)`."""
    db = _db()
    plan = _plan(model, db.vendor)
    converted = []
    for (_, converters, field), value in zip(plan, values, strict=True):
        for convert in converters:
            value = convert(value, field, db)
        converted.append(value)
    return model.from_db(db.alias, [name for name, _, _ in plan], converted)


def _db() -> Any:
    # The connection itself: every attribute read through `django.db.connection` looks the
    # connection up again (a thread-local), which the hot paths here did dozens of times.
    return connections[DEFAULT_DB_ALIAS]


def script(statements: Sequence[tuple[str, Sequence[object]]]) -> list[tuple[Any, ...]]:
    """Run statements in order and return the rows of the last one.

    On PostgreSQL they go in one round trip, as one string (Django's psycopg cursor binds
    parameters on the client, which allows several statements): each still runs with its own
    snapshot, so a statement after a lock reads what the lock's holder committed. A failing
    statement stops the rest. Elsewhere they run one by one.
    """
    db = _db()
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            cursor.execute("; ".join(sql for sql, _ in statements),
                           [p for _, params in statements for p in params])
            while cursor.nextset():
                pass
        else:
            for sql, params in statements:
                cursor.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description else []


def many(model: type[M], where: str, params: Sequence[object]) -> list[M]:
    """The rows of `model` matching a hand-written `where` (on alias `r`; it may end with
    ORDER BY or FOR UPDATE clauses)."""
    with _db().cursor() as cursor:
        cursor.execute(f"SELECT {columns(model, 'r')} FROM {model._meta.db_table} r "
                       f"WHERE {where}", params)
        return [instance(model, row) for row in cursor.fetchall()]


def one(model: type[M], where: str, params: Sequence[object]) -> M | None:
    """The row of `model` matching a hand-written `where` (on alias `r`), or None."""
    found = many(model, where, params)
    return found[0] if found else None
