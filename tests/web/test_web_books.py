"""The book's storage: appends chain through the core, the tables refuse a fork, and the
exported book is byte for byte `write_book`'s and verifies."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner
from webcast import append, application_acts, founding_acts

from sovet.cli import app as cli
from sovet.core.book import GENESIS, body, chain, read_book, verify, write_book
from sovet.web.books.models import Act, Council
from sovet.web.books.selectors import book_export, book_lines
from sovet.web.books.services import (
    BookMoved,
    NoSuchCouncil,
    NotInTransaction,
    book_append,
    council_lock,
)


def expected_book(acts: list) -> bytes:
    out = io.BytesIO()
    write_book(out, chain(acts))
    return out.getvalue()


def lines_of(book: bytes) -> list[bytes]:
    return book.splitlines(keepends=True)


pytestmark = pytest.mark.django_db


def test_appending_stores_each_act_exactly_as_the_core_encodes_it(founded: Council) -> None:
    acts = founding_acts()
    entries = chain(acts)
    rows = list(Act.objects.filter(council=founded).order_by("seq"))
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert [r.kind for r in rows] == [a.kind for a in acts]
    for row, entry in zip(rows, entries, strict=True):
        assert bytes(row.body) == body(entry.act, entry.seq)
        assert (row.hash, row.prev) == (entry.hash, entry.prev)
    assert rows[0].prev == GENESIS
    assert (founded.head_seq, founded.head_hash) == (5, entries[-1].hash)


def test_appends_in_several_transactions_chain_as_one_book(founded: Council) -> None:
    later = application_acts()
    append(founded.pk, later)
    founded.refresh_from_db()
    whole = chain(founding_acts() + later)
    assert founded.head_seq == len(whole)
    assert founded.head_hash == whole[-1].hash
    assert book_export(founded) == expected_book(founding_acts() + later)


def test_appending_nothing_changes_nothing(founded: Council) -> None:
    with transaction.atomic():
        assert book_append(council_lock(founded.pk), []) == []
    founded.refresh_from_db()
    assert founded.head_seq == 5
    assert Act.objects.filter(council=founded).count() == 5


def test_locking_a_council_that_is_not_there_is_refused(db: None) -> None:
    with transaction.atomic(), pytest.raises(NoSuchCouncil, match="no council 999"):
        council_lock(999)


@pytest.mark.django_db(transaction=True)
def test_the_book_services_refuse_to_run_outside_a_transaction() -> None:
    council = Council.objects.create(slug="c", name="C")
    with pytest.raises(NotInTransaction, match=r"inside transaction\.atomic"):
        council_lock(council.pk)
    with pytest.raises(NotInTransaction, match=r"inside transaction\.atomic"):
        book_append(council, founding_acts())
    assert Act.objects.count() == 0


def test_a_second_act_after_the_same_predecessor_is_refused(founded: Council) -> None:
    second = Act.objects.get(council=founded, seq=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Act.objects.create(
            council=founded,
            seq=6,
            kind=second.kind,
            body=bytes(second.body),
            hash="f" * 64,
            prev=second.prev,
        )


def test_a_second_act_in_the_same_place_is_refused(founded: Council) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Act.objects.create(
            council=founded, seq=3, kind="x", body=b"{}", hash="e" * 64, prev="d" * 64
        )


def test_an_append_from_a_stale_head_cannot_fork_the_book(founded: Council) -> None:
    stale = Council.objects.get(pk=founded.pk)
    append(founded.pk, application_acts())
    # The constraints refuse the fork; the append says so as a refusal, not a database error.
    with pytest.raises(BookMoved, match="another act was appended"), transaction.atomic():
        book_append(stale, application_acts())
    assert Act.objects.filter(council=founded).count() == 6


def test_councils_keep_separate_books(founded: Council) -> None:
    other = Council.objects.create(slug="tenants", name="Tenants")
    acts = founding_acts("tenants", "Tenants")
    append(other.pk, acts)
    other.refresh_from_db()
    assert Act.objects.filter(council=other, seq=1).get().prev == GENESIS
    assert book_export(other) == expected_book(acts)
    assert book_export(founded) == expected_book(founding_acts())


def test_the_export_is_write_books_bytes_and_verifies(founded: Council) -> None:
    book = book_export(founded)
    assert book == expected_book(founding_acts())
    verdict = verify(lines_of(book), head=founded.head_hash, full=True)
    assert verdict.ok and verdict.count == 5 and verdict.head == founded.head_hash
    assert [e.act for e in read_book(lines_of(book))] == founding_acts()


def test_the_export_stops_at_the_head_it_was_read_with(founded: Council) -> None:
    seen = Council.objects.get(pk=founded.pk)
    append(founded.pk, application_acts())
    assert b"".join(book_lines(seen)) == expected_book(founding_acts())


def test_an_empty_book_exports_as_nothing(db: None) -> None:
    council = Council.objects.create(slug="new", name="New")
    assert book_export(council) == b""


def test_a_row_changed_behind_sovets_back_fails_verify(founded: Council) -> None:
    row = Act.objects.get(council=founded, seq=3)
    changed = bytes(row.body).replace(b'"by":"bo"', b'"by":"bx"')
    assert changed != bytes(row.body)
    Act.objects.filter(pk=row.pk).update(body=changed)
    verdict = verify(lines_of(book_export(founded)))
    assert not verdict.ok
    assert verdict.line == 3 and "act 3" in (verdict.reason or "")


def test_a_row_deleted_by_sql_fails_verify(founded: Council) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM books_act WHERE council_id = %s AND seq = 2", [founded.pk])
    verdict = verify(lines_of(book_export(founded)))
    assert not verdict.ok and verdict.line == 2


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_changed_byte_of_any_stored_act_fails_verify(
    founded: Council, data: st.DataObject
) -> None:
    seq = data.draw(st.integers(1, 5), label="seq")
    row = Act.objects.get(council=founded, seq=seq)
    stored = bytes(row.body)
    at = data.draw(st.integers(0, len(stored) - 1), label="byte")
    new = data.draw(st.integers(0, 255).filter(lambda b: b != stored[at]), label="value")
    with transaction.atomic():
        Act.objects.filter(pk=row.pk).update(body=stored[:at] + bytes([new]) + stored[at + 1 :])
        verdict = verify(lines_of(book_export(founded)), head=founded.head_hash)
        transaction.set_rollback(True)
    assert not verdict.ok


def test_a_downloaded_book_passes_sovet_verify_with_its_head(
    founded: Council, client, tmp_path: Path
) -> None:
    response = client.get(f"/councils/{founded.slug}/book.jsonl")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/jsonl")
    assert response["Content-Disposition"] == 'attachment; filename="bakers.book.jsonl"'
    assert response["X-Sovet-Book-Head"] == founded.head_hash
    downloaded = b"".join(response.streaming_content)
    assert downloaded == expected_book(founding_acts())
    path = tmp_path / "bakers.book.jsonl"
    path.write_bytes(downloaded)
    result = CliRunner().invoke(cli, ["verify", str(path), "--head", founded.head_hash])
    assert result.exit_code == 0, result.output
    path.write_bytes(downloaded.replace(b'"by":"cy"', b'"by":"cz"'))
    result = CliRunner().invoke(cli, ["verify", str(path)])
    assert result.exit_code != 0


CONCURRENT_APPENDS = """
import sys, threading
sys.path.insert(0, {tests!r})
from sovet.serve import migrate
migrate(verbosity=0)
from django.db import connection, transaction
from webcast import founding_acts
from sovet.core.book import verify
from sovet.core.founding import FoundingConfirmed
from sovet.web.books.models import Council
from sovet.web.books.selectors import book_export
from sovet.web.books.services import book_append, council_lock

council = Council.objects.create(slug="busy", name="Busy")
acts = founding_acts("busy", "Busy")
at = acts[0].at
start = threading.Barrier(8)
errors = []

def writer(n):
    try:
        start.wait()
        for i in range(25):
            with transaction.atomic():
                c = council_lock(council.pk)
                book_append(c, [FoundingConfirmed(by=f"p{{n}}-{{i}}", at=at)])
    except Exception as e:
        errors.append(repr(e))
    finally:
        connection.close()

threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
for t in threads: t.start()
for t in threads: t.join()
council.refresh_from_db()
verdict = verify(book_export(council).splitlines(keepends=True), head=council.head_hash)
print(errors, council.head_seq, verdict.ok, verdict.count)
"""


def test_concurrent_appends_to_one_council_queue_and_never_fork(tmp_path: Path) -> None:
    """Eight threads append 25 acts each, each act in its own transaction, on a SQLite file."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    environ = {
        **os.environ,
        "SOVET_DATA": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "sovet.web.settings",
    }
    environ.pop("DATABASE_URL", None)
    code = CONCURRENT_APPENDS.format(tests=str(Path(__file__).parent))
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "200", "True", "200"]
