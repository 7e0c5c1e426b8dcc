"""`sovet.web.rows`: hand-written queries for the hot paths, and the plans PostgreSQL keeps.

`script` runs statements in one round trip on PostgreSQL (one by one elsewhere); a `planned`
statement is prepared once per connection and then run by name, and a session that lost its
prepared statements (a pooler's `DISCARD ALL`) prepares them again.
"""

from __future__ import annotations

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
