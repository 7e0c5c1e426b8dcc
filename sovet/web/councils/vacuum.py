"""Erase the deleted rows of sealed ballot boxes from PostgreSQL's pages (guarantee 3).

At a secret ballot's close the open box rows are deleted (`services._seal`). On PostgreSQL a
DELETE only marks a row dead: the tuple stays in the table's page, header included, so its
`xmin` (the vote's transaction, which also wrote the voter's roll row) and its place in the
page (the order of casting) still tie the ballot to its voter for anyone who can read the pages
(a superuser with `pageinspect`, or anyone with the data files). A plain `VACUUM` is not
enough: it frees the line pointers, but the compaction moves live tuples over only part of
the freed space and leaves the rest of the dead tuples' bytes in the page (measured on
PostgreSQL 15: half the dead tuples of a page were still readable, header and content, after
`VACUUM`). `VACUUM FULL` writes the live rows into new files and drops the old ones, so no
dead tuple of the box remains in any page the database can read.

Limits, stated plainly:

- VACUUM FULL keeps every dead row that a still-open snapshot older than the seal could see
  (a long transaction, a `pg_dump` in progress, a standby's feedback); those rows stay until a
  later `vacuum_box` after that snapshot ends.
- It needs the box table's ACCESS EXCLUSIVE lock: secret votes on other ballots wait for the
  rewrite (the box holds only open ballots, so it is small). `vacuum_box` waits at most
  `lock_timeout_ms` for the lock and then gives up (returns False) instead of stalling votes.
- It does not reach outside the database's tables: the write-ahead log (and its archive, and
  base backups taken while the ballot was open) and the file system's freed blocks keep what
  was written while the ballot was open, as DESIGN.md says of whoever watches the server's
  database while a ballot is open.

- VACUUM FULL needs the table's owner (the role that ran the migrations); for another role
  PostgreSQL skips the table with a warning only.

On SQLite `vacuum_box` does nothing and returns False. Debian's SQLite is built with
SECURE_DELETE, which zeroes deleted rows in the database file; the `-wal` file keeps the
pages written while the ballot was open until SQLite's next checkpoint reuses it.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection, transaction

from sovet.web.councils.models import BallotBoxEntry

log = logging.getLogger(__name__)


def vacuum_box(*, lock_timeout_ms: int = 2000, deferred: bool = False) -> bool:
    """Rewrite the ballot box table on PostgreSQL so no deleted box row stays readable.

    Call it after a seal has committed (inside a transaction it defers itself with
    `transaction.on_commit`, because VACUUM cannot run in a transaction block). Returns True
    when the table was rewritten now, False when there was nothing to do (not PostgreSQL),
    when it was deferred to the commit, or when the lock was not granted within
    `lock_timeout_ms` (logged as a warning; the next call rewrites it).
    """
    if connection.vendor != "postgresql":
        return False
    if connection.in_atomic_block:
        # Deferred once: a callback run while a transaction is still open (a test's outer
        # transaction) cannot vacuum, and must not queue itself again forever.
        if not deferred:
            transaction.on_commit(
                lambda: vacuum_box(lock_timeout_ms=lock_timeout_ms, deferred=True), robust=True)
        return False
    table = connection.ops.quote_name(BallotBoxEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, false)", [f"{lock_timeout_ms}ms"])
        try:
            cursor.execute(f"VACUUM FULL {table}")
        except DatabaseError as e:
            # Most likely the lock timeout: votes were writing to the box. Nothing is lost;
            # the deleted rows stay until the next call succeeds.
            log.warning("vacuum_box: the ballot box table was not rewritten (%s); the next "
                        "seal or `vacuum_box` call will try again", type(e).__name__)
            return False
        finally:
            cursor.execute("RESET lock_timeout")
    return True
