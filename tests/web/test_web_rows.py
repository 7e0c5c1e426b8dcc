"""`sovet.web.rows`: hand-written queries for the hot paths, and the plans PostgreSQL keeps.

`script` runs statements in one round trip on PostgreSQL (one by one elsewhere); a `planned`
statement is prepared once per connection and then run by name, and a session that lost its
prepared statements (a pooler's `DISCARD ALL`) prepares them again. `results` gives the rows of
every statement of a script; `transaction_from` is a transaction whose BEGIN and COMMIT ride
with its first and last round trips.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from sovet.web import rows
from sovet.web.books.models import Council

pytestmark = pytest.mark.django_db(transaction=True)

BY_SLUG = rows.planned(f"SELECT name FROM {Council._meta.db_table} WHERE slug = %s")


def sent_while(run: object) -> list[str]:
    with CaptureQueriesContext(connection) as sent:
        run()  # type: ignore[operator]
    return [q["sql"] for q in sent.captured_queries]


def name_of(slug: str) -> list[tuple[object, ...]]:
    return rows.script([(BY_SLUG, [slug])])


def test_a_planned_statement_gives_the_rows_of_its_text() -> None:
    Council.objects.create(slug="bakers", name="Bakers' 100% council")
    assert name_of("bakers") == [("Bakers' 100% council",)]
    assert name_of("tanners") == []
    literal = rows.planned("SELECT %s || '%%'")  # a literal % survives
    assert rows.script([(literal, ["50"])]) == [("50%",)]


def test_a_planned_statement_is_prepared_once_per_connection_and_again_when_lost() -> None:
    Council.objects.create(slug="bakers", name="Bakers")
    connection.close()  # a new connection has prepared nothing
    if connection.vendor != "postgresql":  # elsewhere the text itself is sent, every time
        assert [q.split()[0] for q in sent_while(lambda: name_of("bakers"))] == ["SELECT"]
        return
    first = sent_while(lambda: name_of("bakers"))
    assert [q.split()[0] for q in first] == ["PREPARE", "EXECUTE"]
    assert sent_while(lambda: name_of("bakers")) == [f"EXECUTE {BY_SLUG.name}('bakers')"]
    # The server forgets (as a pooler's DISCARD ALL would): outside a transaction, the plan is
    # prepared again and the statement runs.
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    again = sent_while(lambda: name_of("bakers"))
    assert [q.split()[0] for q in again] == ["EXECUTE", "PREPARE", "EXECUTE"]
    assert name_of("bakers") == [("Bakers",)]
    # Inside a transaction the failure has aborted it: the error goes to the caller, and the
    # next use prepares again.
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with pytest.raises(DatabaseError), transaction.atomic():
        name_of("bakers")
    assert name_of("bakers") == [("Bakers",)]


def test_behind_a_transaction_pooler_nothing_is_prepared(settings: Any) -> None:
    settings.SOVET_PREPARED_STATEMENTS = False  # SOVET_TRANSACTION_POOLER=1
    Council.objects.create(slug="bakers", name="Bakers")
    connection.close()
    sent = sent_while(lambda: name_of("bakers"))
    assert [q.split()[0] for q in sent] == ["SELECT"] and name_of("bakers") == [("Bakers",)]


def test_results_gives_the_rows_of_every_statement() -> None:
    Council.objects.create(slug="bakers", name="Bakers")
    found = rows.results([(BY_SLUG, ["bakers"]), ("SELECT 1 WHERE 1 = 0", []),
                          (f"UPDATE {Council._meta.db_table} SET name = %s", ["Bakers'"]),
                          (BY_SLUG, ["bakers"])])
    assert found == [[("Bakers",)], [], [], [("Bakers'",)]]


@contextmanager
def driver_commands() -> Iterator[list[bytes]]:
    """The commands the driver sends of its own (PostgreSQL's BEGIN and COMMIT), not through
    Django's cursor."""
    own: list[bytes] = []
    driver = type(connection.connection)
    if connection.vendor != "postgresql":
        yield own
        return
    send = driver._exec_command

    def spy(self: Any, command: Any, *args: Any, **kwargs: Any) -> Any:
        own.append(bytes(command) if isinstance(command, bytes | bytearray) else
                   str(command).encode())
        return send(self, command, *args, **kwargs)

    driver._exec_command = spy
    try:
        yield own
    finally:
        driver._exec_command = send


def names() -> list[str]:
    return sorted(Council.objects.values_list("name", flat=True))


def create(name: str) -> rows.Statement:
    table = Council._meta.db_table
    return (f"INSERT INTO {table} (slug, name, head_seq, head_hash, created_at) "
            f"SELECT %s, %s, head_seq, head_hash, created_at FROM {table} WHERE slug = 'bakers'",
            [name.lower(), name])


def test_a_transaction_from_its_first_statements_to_its_commit_in_two_round_trips() -> None:
    Council.objects.create(slug="bakers", name="Bakers")
    name_of("bakers")  # prepared on this connection
    with driver_commands() as own, CaptureQueriesContext(connection) as sent:
        with rows.transaction_from([create("Tanners"), (BY_SLUG, ["tanners"])],
                                   then=[(BY_SLUG, ["tanners"])]) as ends:
            assert ends.first == [[], [("Tanners",)]]
            rows.script([create("Dyers")])
        assert ends.then == [[("Tanners",)]]
    assert names() == ["Bakers", "Dyers", "Tanners"]
    if connection.vendor == "postgresql":
        # BEGIN with the first round trip, COMMIT with the last, and nothing of the driver's.
        # (Django logs its own BEGIN and COMMIT as queries; here they send nothing.)
        scripts = [q["sql"] for q in sent.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
        assert own == [] and len(scripts) == 3
        assert scripts[0].startswith("BEGIN; ") and scripts[-1].startswith("COMMIT; ")
        # Where Django's own `atomic` has the driver send them, each in a round trip.
        with driver_commands() as own, transaction.atomic():
            rows.script([create("Weavers")])
        assert [c.split()[0] for c in own] == [b"BEGIN", b"COMMIT"]


def test_a_transaction_from_rolls_back_whole_on_an_error_and_runs_nothing_after() -> None:
    Council.objects.create(slug="bakers", name="Bakers")
    with pytest.raises(ZeroDivisionError), \
            rows.transaction_from([create("Tanners")], then=[create("Dyers")]) as ends:
        rows.script([create("Weavers")])
        raise ZeroDivisionError  # anything the block raises
    assert ends.then == []
    assert names() == ["Bakers"]
    # A statement that fails inside does the same, and the connection goes on working.
    with pytest.raises(DatabaseError), \
            rows.transaction_from([create("Tanners")], then=[create("Dyers")]):
        rows.script([create("Tanners")])  # the slug is taken
    assert names() == ["Bakers"]
    assert name_of("bakers") == [("Bakers",)]


def test_a_transaction_from_inside_a_callers_transaction_is_part_of_it() -> None:
    Council.objects.create(slug="bakers", name="Bakers")
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        with rows.transaction_from([create("Tanners")], then=[create("Dyers")]):
            pass
        assert names() == ["Bakers", "Dyers", "Tanners"]
        raise ZeroDivisionError  # the caller's transaction rolls back: everything goes
    assert names() == ["Bakers"]
