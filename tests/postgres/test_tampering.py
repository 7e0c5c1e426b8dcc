"""Tampering, on PostgreSQL: rows of the acts table edited by SQL, and exported books edited
byte by byte, are caught by `sovet verify`, which names the first broken act.

What is edited, and what `sovet verify --council ID` (or `sovet verify BOOK`) must say:

- a byte of an act's body, its `hash` or its `prev` column → that act (`act k: ...`);
- two acts' places swapped (their `seq`) → the first of the two places;
- an act deleted (leaving a gap, or with the later acts moved down to close it) → its place;
  the last act deleted → its place, because the book no longer ends at the council's head;
- a forged act inserted (the later acts moved up): a crude one → its own place; one chained
  correctly onto its predecessor, with the next act's `prev` rewritten to follow it → the next
  act, whose hash no longer matches (its hash covers the old `prev`); a stray act stored past
  the council's head → its place.
- any changed byte of the book as downloaded (`book_lines`, the `book.jsonl` page): the act
  whose line holds the byte (a sample of bytes, every line's first and last included).
- a rewritten book (changed, then re-chained consistently from the change to the end, with the
  council's head moved to match) and a cut book (its last acts deleted, the head moved back)
  pass a plain `sovet verify`, because a chain cannot tell; they fail `sovet verify --head H`
  with a head H saved before, while a book that only grew since H passes it.

What this cannot catch, by design (DESIGN.md guarantee 5): a forged act appended at the end
and chained correctly, with the head moved, is a longer book that still extends every head
witnessed before it; only heads witnessed after it, or the members reading the book, show it.

The CLI runs in-process (typer's `CliRunner`) on the test's own connection, except once as a
subprocess against the committed test database.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import urllib.parse
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from typer.testing import CliRunner

if connection.vendor != "postgresql":
    pytest.skip("needs PostgreSQL: run scripts/postgres-lane", allow_module_level=True)

from sovet.cli import app
from sovet.core.book import GENESIS, body, chain, line, link, read_book, verify
from sovet.core.charter import Charter
from sovet.core.motion import MotionMoved
from sovet.web.accounts.models import Person
from sovet.web.books.models import Act, Council
from sovet.web.books.selectors import book_export, book_lines
from sovet.web.councils import services
from sovet.web.councils.selectors import council_state_forget

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cold_cache() -> None:
    council_state_forget()


def _council() -> Council:
    """`bakers`: founded by ana, bo and cy, then two resolutions moved, seconded and voted on
    by name, and closed (about 20 acts)."""
    people = {u: Person.objects.create_user(u, None, display_name=u.title())
              for u in ("ana", "bo", "cy")}
    council: Council = services.council_found(person=people["ana"], slug="bakers",
                                              name="Bakers", cofounders=("bo", "cy"),
                                              charter=Charter(), at=T0)
    cid = council.pk
    for i, who in enumerate(("bo", "cy"), 1):
        services.founding_confirm(person=people[who], council_id=cid, at=T0 + i * DAY / 24)
    for day, text in ((1, "Bread for the pickets"), (10, "A strike fund")):
        n = services.motion_move(person=people["ana"], council_id=cid, kind="resolution",
                                 text=text, at=T0 + day * DAY)
        services.motion_second(person=people["bo"], council_id=cid, motion_id=n,
                               at=T0 + day * DAY)
        for who in ("ana", "bo", "cy"):
            services.motion_vote(person=people[who], council_id=cid, motion_id=n,
                                 choice="yes", at=T0 + (day + 1) * DAY)
        services.motions_close_due(council_id=cid, now=T0 + (day + 8) * DAY)
    council.refresh_from_db()
    assert council.head_seq >= 15
    return council


def _verify(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["verify", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def _verify_council(*extra: str) -> tuple[int, str]:
    return _verify("--council", "bakers", *extra)


def _sql(statement: str, *params: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))


def _broken_at(seq: int) -> str:
    return f"broken: act {seq}:"


# --- the acts table edited by SQL --------------------------------------------------------------


def test_an_untouched_council_book_verifies_to_its_head() -> None:
    council = _council()
    code, output = _verify_council()
    assert code == 0, output
    assert output.startswith(f"ok: {council.head_seq} acts, head {council.head_hash}")


@pytest.mark.parametrize("where", ["first", "middle", "last"])
@pytest.mark.parametrize("column", ["body", "hash", "prev"])
def test_a_changed_byte_in_a_row_is_named(where: str, column: str) -> None:
    council = _council()
    seq = {"first": 1, "middle": council.head_seq // 2, "last": council.head_seq}[where]
    if column == "body":
        # Flip the lowest bit of a byte in the middle of the body.
        _sql("UPDATE books_act SET body = set_byte(body, length(body) / 2, "
             "get_byte(body, length(body) / 2) # 1) WHERE council_id = %s AND seq = %s",
             council.pk, seq)
    else:
        # Another valid hash in the column: the first hex digit changed.
        _sql(f"UPDATE books_act SET {column} = translate(left({column}, 1), "
             f"'0123456789abcdef', '123456789abcdef0') || substr({column}, 2) "
             "WHERE council_id = %s AND seq = %s", council.pk, seq)
    code, output = _verify_council()
    assert code == 1
    assert output.startswith(_broken_at(seq)), output


@pytest.mark.parametrize("pair", [(3, 4), (5, 12)])
def test_two_acts_swapped_are_named_at_the_first_place(pair: tuple[int, int]) -> None:
    council = _council()
    a, b = pair
    # Through a free place, as UNIQUE(council, seq) is checked row by row.
    _sql("UPDATE books_act SET seq = 1000000 WHERE council_id = %s AND seq = %s", council.pk, a)
    _sql("UPDATE books_act SET seq = %s WHERE council_id = %s AND seq = %s", a, council.pk, b)
    _sql("UPDATE books_act SET seq = %s WHERE council_id = %s AND seq = 1000000", b, council.pk)
    code, output = _verify_council()
    assert code == 1
    assert output.startswith(_broken_at(a)), output
    assert "its prev is not the hash of act" in output


@pytest.mark.parametrize("where", ["first", "middle"])
@pytest.mark.parametrize("close_the_gap", [False, True])
def test_a_deleted_act_is_named(where: str, close_the_gap: bool) -> None:
    council = _council()
    seq = 1 if where == "first" else council.head_seq // 2
    _sql("DELETE FROM books_act WHERE council_id = %s AND seq = %s", council.pk, seq)
    if close_the_gap:
        _sql("UPDATE books_act SET seq = seq + 1000000 WHERE council_id = %s AND seq > %s",
             council.pk, seq)
        _sql("UPDATE books_act SET seq = seq - 1000001 WHERE council_id = %s AND seq > 1000000",
             council.pk)
        _sql("UPDATE books_council SET head_seq = head_seq - 1 WHERE id = %s", council.pk)
    code, output = _verify_council()
    assert code == 1
    assert output.startswith(_broken_at(seq)), output


def test_the_last_act_deleted_is_named_as_missing() -> None:
    council = _council()
    _sql("DELETE FROM books_act WHERE council_id = %s AND seq = %s", council.pk, council.head_seq)
    code, output = _verify_council()
    assert code == 1
    assert output.startswith(_broken_at(council.head_seq)), output
    assert "the council's head is act" in output


def _make_room(council: Council, at: int) -> None:
    """Move acts `at`.. up by one place (and the head), leaving place `at` free."""
    _sql("UPDATE books_act SET seq = seq + 1000000 WHERE council_id = %s AND seq >= %s",
         council.pk, at)
    _sql("UPDATE books_act SET seq = seq - 999999 WHERE council_id = %s AND seq > 1000000",
         council.pk)
    _sql("UPDATE books_council SET head_seq = head_seq + 1 WHERE id = %s", council.pk)


def _row(council: Council, seq: int) -> Act:
    act: Act = Act.objects.get(council=council, seq=seq)
    return act


def _forged(seq: int) -> bytes:
    return body(MotionMoved(motion=99, motion_kind="resolution", by="ana", text="Forged",
                            subject="", ref=0, seats=0, method="", role="", charter=(),
                            at=T0 + DAY), seq)


def test_a_crudely_forged_act_is_named_at_its_place() -> None:
    council = _council()
    at = council.head_seq // 2
    _make_room(council, at)
    b = _forged(at)
    # The forger cannot give it the true predecessor: UNIQUE(council, prev) refuses a second
    # act after one, so any other prev is used.
    _sql("INSERT INTO books_act (council_id, seq, kind, body, hash, prev) VALUES "
         "(%s, %s, 'motion.moved', %s, %s, %s)", council.pk, at, b, link(GENESIS, b), "ab" * 32)
    code, output = _verify_council()
    assert code == 1
    assert output.startswith(_broken_at(at)), output


def test_a_carefully_chained_forged_act_is_named_at_the_act_after_it() -> None:
    council = _council()
    at = council.head_seq // 2
    before = _row(council, at - 1)
    _make_room(council, at)
    b = _forged(at)
    forged_hash = link(before.hash, b)
    # The act it displaced must now follow the forgery (else two acts follow one predecessor).
    _sql("UPDATE books_act SET prev = %s WHERE council_id = %s AND seq = %s",
         forged_hash, council.pk, at + 1)
    _sql("INSERT INTO books_act (council_id, seq, kind, body, hash, prev) VALUES "
         "(%s, %s, 'motion.moved', %s, %s, %s)", council.pk, at, b, forged_hash, before.hash)
    code, output = _verify_council()
    assert code == 1
    assert output.startswith(_broken_at(at + 1)), output
    assert "its hash does not match its content" in output


def test_a_second_act_after_one_predecessor_is_refused_by_the_table() -> None:
    council = _council()
    last = _row(council, council.head_seq)
    b = _forged(council.head_seq)
    with pytest.raises(IntegrityError, match="act_no_fork"), transaction.atomic():
        _sql("INSERT INTO books_act (council_id, seq, kind, body, hash, prev) VALUES "
             "(%s, %s, 'motion.moved', %s, %s, %s)", council.pk, council.head_seq + 5, b,
             link(last.prev, b), last.prev)


def test_an_act_stored_past_the_head_is_named() -> None:
    council = _council()
    last = _row(council, council.head_seq)
    seq = council.head_seq + 1
    b = _forged(seq)
    _sql("INSERT INTO books_act (council_id, seq, kind, body, hash, prev) VALUES "
         "(%s, %s, 'motion.moved', %s, %s, %s)", council.pk, seq, b, link(last.hash, b),
         last.hash)
    code, output = _verify_council()
    assert code == 1
    assert output.startswith(_broken_at(seq)), output
    assert "after the council's head" in output


# --- the exported book, byte by byte -----------------------------------------------------------


def test_the_downloaded_book_is_the_export_and_any_changed_byte_is_named() -> None:
    council = _council()
    exported = book_export(council)
    client = Client()
    client.force_login(Person.objects.get(username="ana"))
    answer = client.get(f"/councils/{council.slug}/book.jsonl")
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == exported
    assert verify(exported.splitlines(keepends=True)).ok
    starts = [0]
    for text in exported.splitlines(keepends=True):
        starts.append(starts[-1] + len(text))
    # Every line's first and last byte, and a fixed sample of the rest.
    lot = random.Random(5)
    positions = {p for s in starts[:-1] for p in (s,)} | {s - 1 for s in starts[1:]}
    positions |= set(lot.sample(range(len(exported)), 400))
    for p in sorted(positions):
        changed = bytearray(exported)
        changed[p] ^= lot.randrange(1, 256)
        verdict = verify(bytes(changed).splitlines(keepends=True))
        in_line = next(i for i, s in enumerate(starts[1:], 1) if p < s)
        assert not verdict.ok, f"byte {p} changed and the book still verifies"
        assert verdict.line == in_line, (p, in_line, str(verdict))


def test_the_cli_names_the_act_of_a_changed_byte_in_a_downloaded_file(tmp_path: Path) -> None:
    council = _council()
    lines = list(book_lines(council))
    k = len(lines) // 2
    changed = bytearray(lines[k - 1])
    changed[20] ^= 0x20
    lines[k - 1] = bytes(changed)
    book = tmp_path / "bakers.book.jsonl"
    book.write_bytes(b"".join(lines))
    code, output = _verify(str(book))
    assert code == 1
    assert output.startswith(_broken_at(k)), output


# --- rewritten and cut books: only a head saved earlier tells -----------------------------------


def _rewritten(council: Council) -> list[bytes]:
    """The council's book with its first motion's text changed and every act after re-chained."""
    entries = list(read_book(book_lines(council)))
    acts = [replace(e.act, text="Bread for the scabs") if isinstance(e.act, MotionMoved)
            and e.act.motion == 1 else e.act for e in entries]
    assert acts != [e.act for e in entries]
    return [line(e) for e in chain(acts)]


def test_a_rewritten_book_file_passes_plain_verify_but_not_the_saved_head(tmp_path: Path) -> None:
    council = _council()
    saved = council.head_hash
    book = tmp_path / "rewritten.jsonl"
    book.write_bytes(b"".join(_rewritten(council)))
    assert _verify(str(book))[0] == 0
    code, output = _verify(str(book), "--head", saved)
    assert code == 1
    assert "does not reach the witnessed head" in output


def test_a_cut_book_file_passes_plain_verify_but_not_the_saved_head(tmp_path: Path) -> None:
    council = _council()
    saved = council.head_hash
    book = tmp_path / "cut.jsonl"
    book.write_bytes(b"".join(list(book_lines(council))[:-3]))
    assert _verify(str(book))[0] == 0
    code, output = _verify(str(book), "--head", saved)
    assert code == 1
    assert "does not reach the witnessed head" in output


def test_a_rewritten_council_book_passes_plain_verify_but_not_the_saved_head() -> None:
    council = _council()
    saved = council.head_hash
    rewritten = _rewritten(council)
    for seq, text in enumerate(rewritten, 1):
        b, h, p = text[7:-150], text[-141:-77].decode(), text[-67:-3].decode()
        _sql("UPDATE books_act SET body = %s, hash = %s, prev = %s WHERE council_id = %s "
             "AND seq = %s", b, h, p, council.pk, seq)
    new_head = rewritten[-1][-141:-77].decode()
    _sql("UPDATE books_council SET head_hash = %s WHERE id = %s", new_head, council.pk)
    code, output = _verify_council()
    assert code == 0, output
    code, output = _verify_council("--head", saved)
    assert code == 1
    assert "does not reach the witnessed head" in output


def test_a_cut_council_book_passes_plain_verify_but_not_the_saved_head() -> None:
    council = _council()
    saved = council.head_hash
    keep = council.head_seq - 3
    new_head = _row(council, keep).hash
    _sql("DELETE FROM books_act WHERE council_id = %s AND seq > %s", council.pk, keep)
    _sql("UPDATE books_council SET head_seq = %s, head_hash = %s WHERE id = %s", keep, new_head,
         council.pk)
    assert _verify_council()[0] == 0
    code, output = _verify_council("--head", saved)
    assert code == 1
    assert "does not reach the witnessed head" in output


def test_a_book_that_grew_since_the_saved_head_passes_it() -> None:
    council = _council()
    saved, at = council.head_hash, council.head_seq
    services.motion_move(person=Person.objects.get(username="cy"), council_id=council.pk,
                         kind="resolution", text="More bread", at=T0 + 30 * DAY)
    code, output = _verify_council("--head", saved)
    assert code == 0, output
    assert f"extends the witnessed head (act {at})" in output


# --- once as a subprocess, against the committed test database ----------------------------------


def _database_url() -> str:
    s = connection.settings_dict
    host = urllib.parse.quote(str(s.get("HOST") or ""), safe="")
    port = f":{s['PORT']}" if s.get("PORT") else ""
    password = f":{urllib.parse.quote(str(s['PASSWORD']))}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{host}{port}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_sovet_verify_council_as_a_command() -> None:
    council = _council()
    env = {**os.environ, "DATABASE_URL": _database_url()}
    command = [sys.executable, "-m", "sovet.cli", "verify", "--council", "bakers"]
    good = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith(f"ok: {council.head_seq} acts, head {council.head_hash}")
    _sql("UPDATE books_act SET body = set_byte(body, 9, get_byte(body, 9) # 4) "
         "WHERE council_id = %s AND seq = 7", council.pk)
    bad = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert bad.stderr.startswith(_broken_at(7)), bad.stderr
    assert "Traceback" not in bad.stderr
