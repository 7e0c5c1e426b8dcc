"""Model instances from hand-written queries, for the few paths where the ORM's compiling of a
query costs more than the database's answer (every vote, every token check).

The instances are what the ORM itself would build (`Model.from_db`, with the backend's
converters applied), so code after the query cannot tell the difference.
"""

from __future__ import annotations

import functools
import hashlib
import re
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
from psycopg import errors
from psycopg.pq import ExecStatus

TUPLES_OK = ExecStatus.TUPLES_OK

M = TypeVar("M", bound=models.Model)


class Plan(NamedTuple):
    """A statement of a hot path that PostgreSQL parses and plans once per connection
    (`PREPARE`), then runs by name (`EXECUTE`); made by `planned`.

    Django binds parameters on the client, so the server parses and plans every statement it
    is sent; for the token check and the secret vote that cost more than running them.
    """

    name: str
    sql: str  # with %s placeholders, as for `script`
    arity: int


@functools.lru_cache(maxsize=64)
def planned(sql: str) -> Plan:
    """`sql` (with %s placeholders) as a statement PostgreSQL plans once per connection.

    Only for a statement whose text never changes (its values are parameters): each text is
    one prepared statement in every connection for as long as it lives.
    """
    return Plan("sovet_" + hashlib.sha1(sql.encode()).hexdigest()[:20], sql,
                sum(1 for m in _PLACEHOLDER.finditer(sql) if m[0] == "%s"))


_PLACEHOLDER = re.compile(r"%s|%%")
# The plans each live connection has prepared (by the driver's connection: a reconnection
# starts with none).
_prepared: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()

# One SQL statement and its parameters, for `script`.
Statement = tuple[str | Plan, Sequence[object]]


def fields(model: type[models.Model]) -> list[str]:
    """The model's concrete column names (attnames), in the order `instance` expects them."""
    return [name for name, _, _ in _loader(model, _db().vendor)]


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
_Loader = tuple[tuple[str, tuple[Converter, ...], Any], ...]
_loaders: dict[tuple[type[models.Model], str], _Loader] = {}


def _loader(model: type[models.Model], vendor: str) -> _Loader:
    """Per concrete field: its attname, the converters the ORM would apply (the backend's and
    the field's own, as `SQLCompiler.get_converters` gathers them), and the field."""
    key = (model, vendor)
    if key not in _loaders:
        steps = []
        for field in model._meta.concrete_fields:
            col = field.get_col(model._meta.db_table)
            converters = (*_db().ops.get_db_converters(col),
                          *col.get_db_converters(_db()))
            steps.append((field.attname, tuple(converters), field))
        _loaders[key] = tuple(steps)
    return _loaders[key]


def instance(model: type[M], values: Sequence[object]) -> M:
    """A `model` instance from a row of `columns(model, …)`."""
    db = _db()
    loader = _loader(model, db.vendor)
    converted = []
    for (_, converters, field), value in zip(loader, values, strict=True):
        for convert in converters:
            value = convert(value, field, db)
        converted.append(value)
    return model.from_db(db.alias, [name for name, _, _ in loader], converted)


def _db() -> Any:
    # The connection itself: every attribute read through `django.db.connection` looks the
    # connection up again (a thread-local), which the hot paths here did dozens of times.
    return connections[DEFAULT_DB_ALIAS]


def script(statements: Sequence[Statement]) -> list[tuple[Any, ...]]:
    """Run statements in order and return the rows of the last one.

    On PostgreSQL they go in one round trip, as one string (Django's psycopg cursor binds
    parameters on the client, which allows several statements): each still runs with its own
    snapshot, so a statement after a lock reads what the lock's holder committed. A failing
    statement stops the rest. Elsewhere they run one by one. A `Plan` runs by name, planned
    once per connection (`planned`).
    """
    return _run(statements, every=False)[-1]


def results(statements: Sequence[Statement]) -> list[list[tuple[Any, ...]]]:
    """Run statements as `script` does, and return the rows of each, in order (empty for a
    statement that returns none)."""
    return _run(statements, every=True)


def _run(statements: Sequence[Statement], *, every: bool) -> list[list[tuple[Any, ...]]]:
    db = _db()
    found: list[list[tuple[Any, ...]]] = []
    with db.cursor() as cursor:
        if db.vendor != "postgresql":
            for sql, values in statements:
                cursor.execute(sql.sql if isinstance(sql, Plan) else sql, values)
                found.append(list(cursor.fetchall()) if cursor.description else [])
            return found or [[]]
        params = [p for _, ps in statements for p in ps]
        try:
            cursor.execute("; ".join(_text(db, cursor, sql) for sql, _ in statements), params)
        except DatabaseError as e:
            if not isinstance(e.__cause__, errors.InvalidSqlStatementName):
                raise
            # The session lost its prepared statements (a pooler's DISCARD ALL): prepare
            # again, and run again unless the failure aborted a caller's transaction or a
            # part of the script may have committed.
            _prepared.pop(db.connection, None)
            if db.in_atomic_block or any(sql == "COMMIT" for sql, _ in statements):
                raise
            cursor.execute("; ".join(_text(db, cursor, sql) for sql, _ in statements), params)
        if every:
            found.append(_rows(cursor))
        while cursor.nextset():
            if every:
                found.append(_rows(cursor))
        return found if every else [_rows(cursor)]


def _rows(cursor: Any) -> list[tuple[Any, ...]]:
    # Not `cursor.description`, which builds a Column object per column.
    result = cursor.pgresult
    return cursor.fetchall() if result and result.status == TUPLES_OK else []


def _text(db: Any, cursor: Any, sql: str | Plan) -> str:
    """The text that runs `sql` on PostgreSQL: a plan by name, prepared first if this
    connection has not prepared it yet (in a round trip of its own: a prepared statement
    outlives a transaction that fails, so it must not share one)."""
    if not isinstance(sql, Plan):
        return sql
    if not settings.SOVET_PREPARED_STATEMENTS:
        return sql.sql
    done = _prepared.setdefault(db.connection, set())
    if sql.name not in done:
        numbered = iter(range(1, sql.arity + 1))
        cursor.execute(f"PREPARE {sql.name} AS " + _PLACEHOLDER.sub(
            lambda m: f"${next(numbered)}" if m[0] == "%s" else "%", sql.sql))
        done.add(sql.name)
    return f"EXECUTE {sql.name}({', '.join(['%s'] * sql.arity)})" if sql.arity else \
        f"EXECUTE {sql.name}"


def select(model: type[models.Model], where: str, params: Sequence[object]) -> Statement:
    """The statement that reads the rows of `model` matching a hand-written `where` (on alias
    `r`; it may end with ORDER BY or FOR UPDATE clauses), for `instance`."""
    return f"SELECT {columns(model, 'r')} FROM {model._meta.db_table} r WHERE {where}", params


class Ends(NamedTuple):
    """What the round trips of `transaction_from` returned: the rows of each of its first
    statements, and (once it has committed) of each statement run after the commit."""

    first: list[list[tuple[Any, ...]]]
    then: list[list[tuple[Any, ...]]]


@contextmanager
def transaction_from(first: Sequence[Statement],
                     then: Sequence[Statement] = ()) -> Iterator[Ends]:
    """A durable transaction (Django's `atomic`) that begins in the round trip of its `first`
    statements and commits in the round trip of its `then` statements, which run just after
    the commit; yields their rows (`Ends`, whose `then` is filled once the block is done).
    `then` is read when the block ends, so the block may add to a list it passed. Inside a
    caller's transaction it is a part of that one (a savepoint).

    Why: the driver sends BEGIN before a transaction's first statement, and COMMIT after its
    last, each in a round trip of its own; a transaction of two round trips of work made
    four. Here (PostgreSQL, outside any transaction) the BEGIN goes with `first` and the COMMIT
    with `then`, and Django's commit finds nothing left to do. An exception in the block rolls
    the transaction back (Django's rollback) and runs none of `then`. Elsewhere the same
    statements run in a plain `atomic`, and `then` after it.
    """
    db = _db()
    outermost = not db.in_atomic_block
    merged = db.vendor == "postgresql" and outermost
    ends = Ends([], [])
    with transaction.atomic(durable=outermost):
        if not merged:
            ends.first.extend(results(first))
        else:
            db.ensure_connection()
            # Django has turned the driver's autocommit off, for the driver to begin the
            # transaction itself; the BEGIN is sent here instead. Inside it, with autocommit
            # on, the driver adds nothing, and its commit and rollback still end it.
            db.connection.autocommit = True
            ends.first.extend(results([("BEGIN", []), *first])[1:])
        yield ends
        if merged:
            ends.then.extend(results([("COMMIT", []), *then])[1:])
    if not merged and then:
        ends.then.extend(results(then))
