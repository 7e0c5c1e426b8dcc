"""Services that write a council's book. Each runs in the caller's transaction.

A command's service locks the council (`council_lock`), asks the core for a decision, and
appends the decision's acts (`book_append`) in one transaction with their effect, so an act is
in the book exactly when its effect is in the tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import suppress
from typing import Any, NamedTuple

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction

from sovet.core.acts import Act as CoreAct
from sovet.core.book import GENESIS, BrokenBook, Entry, chain
from sovet.core.errors import NotFound, WrongState
from sovet.web import rows
from sovet.web.books.models import Act, Council
from sovet.web.rows import Statement


class NoSuchCouncil(NotFound):
    """No council with that id is kept on this server."""

    code = "no_such_council"


class BookMoved(WrongState):
    """Another act took the place this append wanted: the head moved under it."""

    code = "book_moved"


class NotInTransaction(RuntimeError):
    """A book service was called outside a transaction (a programming error, not input)."""


def _require_transaction(what: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise NotInTransaction(
            f"{what} must run inside transaction.atomic(), in the same transaction as the "
            "effect of the acts"
        )


class CouncilBusy(Exception):
    """`council_lock(nowait=True)` found the council locked by another transaction."""


def council_lock(council_id: int, *, nowait: bool = False) -> Council:
    """Make this transaction the council's writer, lock its row (its book head) for the rest of
    the transaction, and return it.

    On PostgreSQL the writer is whoever holds the council's writer lock, an advisory lock
    taken before the row's `SELECT … FOR NO KEY UPDATE`; every holder of the row lock takes it
    first, so the row is free once it is held. Voters whose votes wait in the queue wait on
    that lock shared (`after_writer`), and all wake together when the writer commits,
    instead of taking the row lock one after the other. On SQLite the write transaction
    itself (started IMMEDIATE) holds the database's write lock.
    With `nowait`, raises `CouncilBusy` instead of waiting for another writer (PostgreSQL); the
    transaction can go on. Raises `NoSuchCouncil` when there is no such council (with `nowait`
    on PostgreSQL, `CouncilBusy`: read the council first).
    """
    _require_transaction("council_lock")
    if transaction.get_connection().vendor != "postgresql":
        found = rows.script([_council_read(council_id)])
    elif nowait:
        found = rows.script([council_lock_statement(council_id)])
        if not found:
            raise CouncilBusy(council_id)
    else:
        # NO KEY: inserting a row that references the council (an act, a roll row) takes a
        # KEY SHARE lock on it, which must not wait for the head's lock.
        read, params = _council_read(council_id)
        found = rows.script([(rows.planned("SELECT pg_advisory_xact_lock(%s, %s)"),
                              _writer_key(council_id)),
                             (rows.planned(f"{read} FOR NO KEY UPDATE"), params)])
    return council_row(council_id, found)


def _council_read(council_id: int) -> Statement:
    return rows.select(Council, "r.id = %s", [council_id])


def council_lock_statement(council_id: int) -> Statement:
    """The statement by which `council_lock(nowait=True)` takes the lock, for a script that
    goes on in the same round trip: it returns the council's row, locked, only if the writer
    lock was free (PostgreSQL; elsewhere it only reads the row). Read the rows with
    `council_row`; no row means another writer (or no such council)."""
    if transaction.get_connection().vendor != "postgresql":
        return _council_read(council_id)
    read, params = _council_read(council_id)
    return (rows.planned(f"{read} AND pg_try_advisory_xact_lock(%s, %s) FOR NO KEY UPDATE"),
            [*params, *_writer_key(council_id)])


def council_row(council_id: int, found: list[tuple[Any, ...]]) -> Council:
    """The council from the rows of a statement that reads it; raises `NoSuchCouncil` for
    none."""
    if not found:
        raise NoSuchCouncil(f"there is no council {council_id} on this server",
                            council=council_id)
    return rows.instance(Council, found[0])


def after_writer(council_id: int, query: str | rows.Plan,
                 params: Sequence[object]) -> list[tuple[Any, ...]]:
    """Wait until the council's writer (if any) has ended, then run `query` and return its rows.

    Waiters hold the writer lock shared, so every waiter wakes when the writer commits, all at
    once, and none of them holds the council's row. On PostgreSQL both go in one round trip
    (`rows.script`) as two statements, so the query reads what the writer committed; outside a
    transaction the shared lock ends with them. On SQLite there is no other writer by then; the
    query just runs.
    """
    if transaction.get_connection().vendor != "postgresql":
        return rows.script([(query, params)])
    return rows.script([after_writer_statement(council_id), (query, params)])


def after_writer_statement(council_id: int) -> Statement:
    """The statement by which `after_writer` waits (PostgreSQL only), for a script that reads
    in the same round trip, in a statement after it."""
    return rows.planned("SELECT pg_advisory_xact_lock_shared(%s, %s)"), _writer_key(council_id)


def _turns_span_transactions() -> bool:
    """Whether a writer's turn holds the writer lock across transactions (`writer_try`): on
    PostgreSQL, unless behind a transaction pooler."""
    return (transaction.get_connection().vendor == "postgresql"
            and not settings.SOVET_TRANSACTION_POOLER)


def writer_try(council_id: int) -> bool:
    """Start the council's writer's turn if nobody holds the writer lock: whether this session
    did. End it with `writer_release`, or in SQL with `turn_end_statement`.

    Outside a transaction, on PostgreSQL, a turn holds the writer lock at session level, across
    several transactions. `council_lock` in this session still succeeds (a session's own
    advisory lock never blocks it), and every other writer and every waiter of `after_writer`
    waits until the turn ends, so waiters wake once, not once per transaction of the turn.

    On SQLite, whose write transactions take turns anyway, and behind a transaction pooler
    (`SOVET_TRANSACTION_POOLER`), where a session-level lock would be taken on one server
    connection and released on another, or never, a turn is one transaction, whose own
    `council_lock` keeps other writers out: this returns True.
    """
    if not _turns_span_transactions():
        return True
    return bool(rows.script([writer_try_statement(council_id)])[0][0])


def writer_try_statement(council_id: int) -> Statement:
    """The statement that starts a writer's turn (`writer_try`) if nobody holds the writer
    lock: it returns whether it did (PostgreSQL; true where a turn is one transaction)."""
    if not _turns_span_transactions():
        return "SELECT true", []
    return rows.planned("SELECT pg_try_advisory_lock(%s, %s)"), _writer_key(council_id)


def writer_try_or_wait_statement(council_id: int) -> Statement:
    """The statement that starts a writer's turn if nobody holds the writer lock, and
    otherwise waits until the writer's turn ends (`after_writer`): it returns whether this
    session took the turn. Read what the writer committed in a statement after it, which sees
    a snapshot taken after the wait. (PostgreSQL; true where a turn is one transaction.)"""
    if not _turns_span_transactions():
        return "SELECT true", []
    # CASE evaluates only the arm it takes: a session that took the turn does not wait.
    return (rows.planned("SELECT CASE WHEN pg_try_advisory_lock(%s, %s) THEN true ELSE "
                         "(SELECT false FROM pg_advisory_xact_lock_shared(%s, %s)) END"),
            [*_writer_key(council_id), *_writer_key(council_id)])


def writer_release(council_id: int) -> None:
    """End this session's writer's turn (none to end where a turn is one transaction)."""
    if _turns_span_transactions():
        rows.script([(rows.planned("SELECT pg_advisory_unlock(%s, %s)"),
                      _writer_key(council_id))])


def writer_abandon() -> None:
    """Give back any writer's turn this session holds, after a script that may have taken one
    failed (PostgreSQL): a turn left held would keep every other writer of the council waiting
    for as long as the connection lives. If the connection itself is gone, so is the turn."""
    if not _turns_span_transactions():
        return
    with suppress(DatabaseError):
        # Outside a turn this session holds no session-level advisory lock but a turn's.
        rows.script([("SELECT pg_advisory_unlock_all()", [])])


def turn_end_statement(council_id: int, *, over: bool, waiting: Statement) -> Statement:
    """The statement that ends a writer's turn unless it goes on: it goes on while it is not
    `over` and `waiting` (an SQL condition and its parameters) holds. It returns whether the
    turn goes on; where a turn spans transactions, when it does not, it has released the
    writer lock, in the same round trip."""
    condition, params = waiting
    if not _turns_span_transactions():
        return f"SELECT NOT %s AND {condition}", [over, *params]
    # CASE evaluates only the arm it takes: the lock is released only when the turn ends.
    return (rows.planned(f"SELECT CASE WHEN NOT %s AND {condition} THEN true "
                         "ELSE NOT pg_advisory_unlock(%s, %s) END"),
            [over, *params, *_writer_key(council_id)])


# The namespaces of Sovet's advisory locks (two-int form: namespace, council). A council id
# past 2**31 only shares a lock with another council: more waiting, never less safety.
_BOX_LOCKS = 0x536F76  # "Sov"
_WRITER_LOCKS = 0x536F77  # "Sow"


def _writer_key(council_id: int) -> list[int]:
    return [_WRITER_LOCKS, council_id % 2**31]


def box_lock(council_id: int, *, exclusive: bool) -> Council:
    """Lock a council's secret ballot boxes for the rest of the transaction, then read the
    council's row (not locked), in one round trip.

    Each secret vote takes the lock shared, so votes are cast side by side and never wait for
    each other; the seal of a box takes it exclusive, so it waits for the votes in flight and
    the votes after it wait for the seal, then see the ballot closed. On PostgreSQL it is an
    advisory lock (memory only, nothing written); on SQLite the write transaction already holds
    the database's write lock. Raises `NoSuchCouncil` when there is no such council.
    """
    _require_transaction("box_lock")
    read = _council_read(council_id)
    if transaction.get_connection().vendor != "postgresql":
        found = rows.script([read])
    else:
        found = rows.script([box_lock_statement(council_id, exclusive=exclusive), read])
    return council_row(council_id, found)


def box_lock_statement(council_id: int, *, exclusive: bool) -> Statement:
    """The statement by which `box_lock` takes the box's lock (PostgreSQL only), for a script
    that takes it and writes in one round trip (see `head_unmoved`)."""
    take = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    return rows.planned(f"SELECT {take}(%s, %s)"), [_BOX_LOCKS, council_id % 2**31]


def head_unmoved(council_id: int, seq: int, hash: str) -> tuple[str, list[object]]:
    """An SQL condition that holds while the council's head is still (`seq`, `hash`).

    For a write decided on a cached state without reading the council first: written only
    `WHERE` this holds, in a statement after the lock that keeps out whatever would change the
    decision, it is as current as a read under that lock (each statement has its own snapshot),
    in one round trip less.
    """
    return (f"EXISTS (SELECT 1 FROM {Council._meta.db_table} WHERE id = %s AND head_seq = %s "
            "AND head_hash = %s)", [council_id, seq, hash])


class _Head(NamedTuple):
    seq: int
    hash: str


def _head(council: Council) -> _Head | None:
    """The council's head as its locked row holds it (None for an empty book).

    The new acts chain onto the row's head without reading the last act back: UNIQUE(council,
    seq) and UNIQUE(council, prev) refuse a fork or a second act in one place, and a head whose
    act was changed outside Sovet is named by `sovet verify`, not hidden by an append.
    """
    if council.head_seq == 0:
        if council.head_hash != GENESIS:
            raise BrokenBook(
                f"council {council.slug} has no acts but its head is {council.head_hash}",
                council=council.slug,
            )
        return None
    return _Head(council.head_seq, council.head_hash)


def _write(council: Council, entries: list[Entry], bodies: list[bytes],
           also: Sequence[Statement]) -> bool:
    """Insert the entries (with their `bodies`) and move the head from the one read with
    `council` to the last entry's, in one round trip (every named vote is an append; see
    `sovet.web.rows`). False when the head had moved (nothing is left written: the caller
    raises)."""
    values: list[object] = []
    for e, b in zip(entries, bodies, strict=True):
        values += [council.pk, e.seq, e.act.kind, b, e.hash, e.prev]
    last = entries[-1]
    moved = rows.script([
        *also,
        (f"INSERT INTO {Act._meta.db_table} (council_id, seq, kind, body, hash, prev) VALUES "
         f"{', '.join(['(%s, %s, %s, %s, %s, %s)'] * len(entries))}", values),
        (f"UPDATE {Council._meta.db_table} SET head_seq = %s, head_hash = %s WHERE id = %s "
         "AND head_seq = %s AND head_hash = %s RETURNING id",
         [last.seq, last.hash, council.pk, council.head_seq, council.head_hash]),
    ])
    return len(moved) == 1


def book_append(council: Council, acts: Iterable[CoreAct], *,
                also: Sequence[Statement] = ()) -> list[Entry]:
    """Append acts to a council's book, chained after its head, and move the head.

    Call it inside the transaction that writes the acts' effect, after `council_lock`. The
    head moves only if nobody else moved it first, and UNIQUE(council, seq) and
    UNIQUE(council, prev) refuse a fork even without the lock. Raises `InvalidAct` for an act
    the book cannot encode, `BrokenBook` if the head moved under it (no lock was taken).
    `also` are the caller's own statements for the same transaction, sent in the same round
    trip just before the acts (they are not run when there are no acts).
    """
    _require_transaction("book_append")
    bodies: list[bytes] = []
    entries = chain(acts, after=_head(council), bodies=bodies)
    if not entries:
        return []
    try:
        moved = _write(council, entries, bodies, also)
    except IntegrityError:
        # UNIQUE(council, seq) or (council, prev): another writer appended first, which only
        # happens if someone skipped council_lock. Refuse cleanly; nothing was written.
        raise BookMoved(f"council {council.slug}: another act was appended at the same place; "
                        "nothing was written, try again", council=council.slug) from None
    if not moved:
        raise BrokenBook(
            f"council {council.slug}: its head moved during this append; lock it with "
            "council_lock first",
            council=council.slug,
        )
    council.head_seq, council.head_hash = entries[-1].seq, entries[-1].hash
    return entries


__all__ = [
    "BookMoved", "CouncilBusy", "NoSuchCouncil", "NotInTransaction", "after_writer",
    "after_writer_statement", "book_append", "box_lock", "box_lock_statement", "council_lock",
    "council_lock_statement", "council_row", "head_unmoved", "turn_end_statement",
    "writer_abandon", "writer_release", "writer_try", "writer_try_or_wait_statement",
    "writer_try_statement",
]
