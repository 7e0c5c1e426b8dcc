"""The book: canonical encoding, the hash chain, the Merkle root, verify and read_book."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sovet.core.acts import Act, act, to_record
from sovet.core.book import (
    GENESIS,
    PREFIX,
    BrokenBook,
    Entry,
    Verdict,
    body,
    canonical,
    chain,
    line,
    link,
    merkle_root,
    read_book,
    verify,
    verify_file,
    write_book,
)
from sovet.core.errors import InvalidAct, UnknownKind

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@act
@dataclass(frozen=True, slots=True)
class Noted(Act):
    """A test act whose fields all sort before `seq`: seq ends its body."""

    kind: ClassVar[str] = "test.book.noted"
    by: str
    text: str
    at: datetime
    tags: tuple[str, ...]


@act
@dataclass(frozen=True, slots=True)
class Voted(Act):
    """A test act with a field sorting after `seq` (`voter`): seq sits mid-body."""

    kind: ClassVar[str] = "test.book.voted"
    motion: int
    voter: str
    choice: str


def acts(n: int) -> list[Act]:
    """n test acts, alternating kinds, with non-ASCII and escaped characters."""
    out: list[Act] = []
    for i in range(n):
        if i % 2:
            out.append(Voted(motion=i // 7, voter=f"person-{i}", choice=("yes", "no")[i % 3 % 2]))
        else:
            text = f'Rent strike n°{i}: "no" to the rise\tété\\ 💪 \u2028'
            out.append(Noted(by="ana", text=text, at=T0 + timedelta(minutes=i), tags=("a", "b")))
    return out


def book_bytes(entries: list[Entry]) -> bytes:
    return b"".join(line(e) for e in entries)


def _split_lf(data: bytes) -> list[bytes]:
    """Split bytes into lines as a binary file does: each keeps its LF; CR is not a break."""
    parts = data.split(b"\n")
    out = [p + b"\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


ENTRIES = chain(acts(24))
BOOK = book_bytes(ENTRIES)
HEAD = ENTRIES[-1].hash


def verdict(data: bytes, **kw: Any) -> Verdict:
    return verify(_split_lf(data), **kw)


# -- canonical ------------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300)
@given(json_values)
def test_canonical_is_sorted_compact_utf8_json(value: Any) -> None:
    # The stdlib with these options is an independent statement of the canonical form.
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical(value) == expected.encode("utf-8")
    assert orjson.loads(canonical(value)) == value


def test_canonical_writes_non_ascii_as_is_and_escapes_only_quote_backslash_and_controls() -> None:
    text = "é💪\u2028\x7f/<>&'" + '"\\' + "\b\f\n\r\t\x00\x1f"
    expected = '"é💪\u2028\x7f/<>&\'\\"\\\\\\b\\f\\n\\r\\t\\u0000\\u001f"'.encode()
    assert canonical(text) == expected


def test_canonical_sorts_keys_by_code_point_at_every_depth() -> None:
    value = {"b": [1, {"z": 1, "a": [True, None]}], "a": "x", "é": 0, "Z": 0, "\U00010000": 0}
    assert canonical(value) == (
        '{"Z":0,"a":"x","b":[1,{"a":[true,null],"z":1}],"é":0,"\U00010000":0}'.encode()
    )


def test_canonical_writes_tuples_as_lists() -> None:
    assert canonical({"t": (1, ("a", ()))}) == b'{"t":[1,["a",[]]]}'


@pytest.mark.parametrize("value", [1.0, {"a": [1, 2.5]}, [[0.0]], float("nan")])
def test_canonical_refuses_floats_anywhere(value: Any) -> None:
    with pytest.raises(InvalidAct, match="the book holds no floats"):
        canonical(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({1: "a"}, "keys in the book are text"),
        (2**64, "outside the book's range"),
        (-(2**63) - 1, "outside the book's range"),
        (b"bytes", "holds a bytes"),
        ({"at": T0}, "holds a datetime"),
        ("\ud800", "cannot be written canonically"),
    ],
)
def test_canonical_refuses_what_json_cannot_hold_canonically(value: Any, message: str) -> None:
    with pytest.raises(InvalidAct, match=message):
        canonical(value)


# -- Merkle root ----------------------------------------------------------------------------


def rfc6962(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, written as the RFC does (split at the largest power of two)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + rfc6962(leaves[:k]) + rfc6962(leaves[k:])).digest()


@settings(max_examples=200)
@given(st.lists(st.binary(max_size=8), max_size=40))
def test_merkle_root_is_rfc_6962(leaves: list[bytes]) -> None:
    assert merkle_root(leaves) == rfc6962(leaves).hex()


def test_merkle_root_of_nothing_is_the_hash_of_nothing() -> None:
    assert merkle_root([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_merkle_root_separates_leaves_from_nodes() -> None:
    a, b = b"a", b"b"
    node = hashlib.sha256(b"\x00" + a).digest() + hashlib.sha256(b"\x00" + b).digest()
    # A forged single leaf made of two leaf hashes must not have the root of the pair.
    assert merkle_root([node]) != merkle_root([a, b])
    assert merkle_root([a, b]) != merkle_root([b, a])


# -- the chain -------------------------------------------------------------------------------


def test_a_body_is_the_canonical_record_with_its_seq() -> None:
    a = Voted(motion=3, voter="bo", choice="yes")
    assert (
        body(a, 5) == b'{"choice":"yes","kind":"test.book.voted","motion":3,"seq":5,"voter":"bo"}'
    )
    assert body(a, 5) == canonical({**to_record(a), "seq": 5})


@pytest.mark.parametrize("seq", [0, -1, True])
def test_a_seq_counts_from_one(seq: int) -> None:
    with pytest.raises(InvalidAct, match="its place in the book"):
        body(Voted(motion=1, voter="bo", choice="no"), seq)


def test_chain_links_each_act_to_the_hash_of_the_one_before() -> None:
    prev = GENESIS
    for n, e in enumerate(ENTRIES, 1):
        assert (e.seq, e.prev) == (n, prev)
        raw = hashlib.sha256(bytes.fromhex(prev) + body(e.act, n)).hexdigest()
        assert e.hash == raw == link(prev, body(e.act, n))
        prev = e.hash


def test_chain_continues_after_an_entry() -> None:
    all_acts = acts(10)
    assert chain(all_acts[4:], after=chain(all_acts[:4])[-1]) == chain(all_acts)[4:]


def test_a_line_is_the_canonical_json_of_act_hash_and_prev() -> None:
    e = ENTRIES[2]
    record = {**to_record(e.act), "seq": 3}
    assert line(e) == canonical({"act": record, "hash": e.hash, "prev": e.prev}) + b"\n"
    assert line(e).startswith(PREFIX)
    assert line(e).endswith(f',"hash":"{e.hash}","prev":"{e.prev}"}}\n'.encode())


def test_a_valid_book_verifies_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "book.jsonl"
    write_book(path, ENTRIES)
    assert path.read_bytes() == BOOK
    v = verify_file(path)
    assert (v.ok, v.count, v.head, v.line, v.reason) == (True, 24, HEAD, None, None)
    assert str(v) == f"ok: 24 acts, head {HEAD}"
    assert list(read_book(path)) == ENTRIES
    assert list(read_book(_split_lf(BOOK))) == ENTRIES


BIG = chain(acts(40_000))


def test_verify_streams_a_book_given_as_a_generator() -> None:
    v = verify(line(e) for e in BIG)
    assert v.ok and v.count == 40_000 and v.head == BIG[-1].hash


@pytest.mark.parametrize("seq", [1, 2, 16_383, 16_384, 16_385, 32_768, 39_999, 40_000])
def test_a_witnessed_head_is_found_wherever_it_is(seq: int) -> None:
    # Batches of lines are searched at C speed; the edges of a batch are the risky places.
    v = verify((line(e) for e in BIG), head=BIG[seq - 1].hash)
    assert (v.ok, v.head_seq) == (True, seq)


def test_a_witnessed_head_after_a_break_is_not_found() -> None:
    lines = [line(e) for e in BIG[:20_000]]
    lines[17_000] = lines[17_001]
    v = verify(lines, head=BIG[18_000].hash)
    assert (v.ok, v.line, v.head_seq) == (False, 17_001, None)
    v = verify(lines, head=BIG[16_999].hash)
    assert (v.ok, v.line, v.head_seq) == (False, 17_001, 17_000)


# -- any change is detected, and named --------------------------------------------------------


def line_at(data: bytes, pos: int) -> int:
    """The 1-based number of the line holding byte `pos` (a newline belongs to its line)."""
    return data.count(b"\n", 0, pos) + 1


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_any_changed_byte_is_detected_and_names_its_act(data: st.DataObject) -> None:
    pos = data.draw(st.integers(0, len(BOOK) - 1), label="pos")
    new = data.draw(st.integers(0, 255).filter(lambda b: b != BOOK[pos]), label="byte")
    changed = BOOK[:pos] + bytes([new]) + BOOK[pos + 1 :]
    v = verdict(changed)
    assert not v.ok
    assert v.line == line_at(BOOK, pos)
    assert v.count == v.line - 1
    assert v.head == (ENTRIES[v.count - 1].hash if v.count else GENESIS)
    assert v.reason is not None and str(v.line) in v.reason
    with pytest.raises(BrokenBook):
        list(read_book(_split_lf(changed)))


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_a_deleted_act_is_detected_at_its_place(data: st.DataObject) -> None:
    k = data.draw(st.integers(0, len(ENTRIES) - 2))
    lines = [line(e) for e in ENTRIES]
    del lines[k]
    v = verify(lines)
    assert (v.ok, v.line) == (False, k + 1)
    assert v.reason == (
        f"act {k + 1}: its prev is not "
        + ("the genesis 000…0" if k == 0 else f"the hash of act {k}")
    )


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_an_inserted_act_is_detected_at_its_place(data: st.DataObject) -> None:
    k = data.draw(st.integers(0, len(ENTRIES)))
    lines = [line(e) for e in ENTRIES]
    # The worst case: a well-formed line, chained onto the act before it.
    after = ENTRIES[k - 1] if k else None
    forged = chain([Voted(motion=99, voter="boss", choice="no")], after=after)[0]
    lines.insert(k, line(forged))
    v = verify(lines)
    if k == len(ENTRIES):
        # Appending a well-chained act is what a book is for: only the writer's rules stop it.
        assert v.ok
    else:
        assert (v.ok, v.line) == (False, k + 2)
        assert v.reason == f"act {k + 2}: its prev is not the hash of act {k + 1}"


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_reordered_acts_are_detected_at_the_first_moved(data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(ENTRIES) - 2))
    j = data.draw(st.integers(i + 1, len(ENTRIES) - 1))
    lines = [line(e) for e in ENTRIES]
    lines[i], lines[j] = lines[j], lines[i]
    v = verify(lines)
    assert (v.ok, v.line) == (False, i + 1)


def test_a_changed_act_with_a_recomputed_chain_passes_alone_but_not_against_a_head() -> None:
    # What a chain alone cannot show: a rewrite from act 5 on. A witnessed head catches it.
    forged_acts = acts(24)
    forged_acts[4] = Voted(motion=0, voter="boss", choice="yes")
    forged = book_bytes(chain(forged_acts))
    assert verdict(forged).ok
    v = verdict(forged, head=ENTRIES[9].hash)
    assert (v.ok, v.head_seq) == (False, None)
    assert v.reason == (
        f"the book does not reach the witnessed head {ENTRIES[9].hash}: it was cut before "
        "that act, or rewritten"
    )
    # A head witnessed before the rewrite is still in the book.
    assert verdict(forged, head=ENTRIES[3].hash).head_seq == 4


def test_a_changed_act_without_a_recomputed_chain_is_named() -> None:
    lines = [line(e) for e in ENTRIES]
    lines[6] = line(Entry(seq=7, act=Noted("bo", "x", T0, ()), prev=ENTRIES[6].prev, hash=HEAD))
    v = verify(lines)
    assert (v.line, v.reason) == (7, "act 7: its hash does not match its content")


@pytest.mark.parametrize("cut", [1, 5, 23])
def test_a_cut_book_is_detected_only_against_a_head(cut: int) -> None:
    short = book_bytes(ENTRIES[:cut])
    assert verdict(short).ok
    v = verdict(short, head=HEAD)
    assert not v.ok and v.count == cut and v.reason is not None and "cut" in v.reason
    found = verdict(BOOK, head=ENTRIES[cut - 1].hash)
    assert (found.ok, found.head_seq) == (True, cut)
    assert str(found).endswith(f"it extends the witnessed head (act {cut})")


def test_a_head_may_be_given_in_capitals_and_with_spaces() -> None:
    assert verdict(BOOK, head=f"  {HEAD.upper()}\n").head_seq == 24


@pytest.mark.parametrize("head", ["", "abc", "g" * 64, HEAD + "0", GENESIS, "é" * 64])
def test_a_malformed_head_is_refused(head: str) -> None:
    with pytest.raises(BrokenBook, match="is not an act's hash"):
        verdict(BOOK, head=head)


# -- each kind of damage, and its reason --------------------------------------------------------


def replace_line(k: int, new: bytes) -> bytes:
    lines = [line(e) for e in ENTRIES]
    lines[k - 1] = new
    return b"".join(lines)


def case(data: bytes) -> tuple[int | None, str | None]:
    v = verdict(data)
    assert not v.ok
    return v.line, v.reason


def test_crlf_line_ends_are_refused() -> None:
    assert case(BOOK.replace(b"\n", b"\r\n")) == (
        1,
        "line 1 ends with CR LF; book lines end with LF alone",
    )


def test_a_missing_last_newline_is_refused() -> None:
    assert case(BOOK[:-1]) == (
        24,
        "line 24 does not end with a newline (the book is cut or garbled there)",
    )


@pytest.mark.parametrize(
    "data",
    [BOOK + b"\n", BOOK + b"garbage", BOOK[:500] + b"\n" + BOOK[500:], b"\xef\xbb\xbf" + BOOK],
    ids=["empty line", "trailing garbage", "newline inside", "byte order mark"],
)
def test_stray_bytes_are_not_book_lines(data: bytes) -> None:
    lineno, reason = case(data)
    assert reason is not None
    assert reason.startswith(f"line {lineno} ") or reason.startswith(f"act {lineno}:")


def test_an_empty_line_is_named() -> None:
    lineno, reason = case(BOOK + b"\n")
    assert lineno == 25 and reason is not None and "line 25 is not a book line" in reason


def test_hex_in_capitals_is_refused() -> None:
    e = ENTRIES[2]
    upper = line(e).replace(e.hash.encode(), e.hash.upper().encode())
    assert case(replace_line(3, upper))[1] == (
        'line 3 is not a book line: it must end with ,"hash":"<64 hex>","prev":"<64 hex>"}'
        " (lowercase hex) and a newline"
    )


def test_a_wrong_first_prev_is_named() -> None:
    assert case(BOOK[line(ENTRIES[0]).__len__() :])[1] == (
        "act 1: its prev is not the genesis 000…0"
    )


def forged_line(record: bytes | dict[str, Any], prev: str) -> bytes:
    """A line whose hash is right for whatever body it is given (a writer's bug, or a forger)."""
    b = record if isinstance(record, bytes) else canonical(record)
    return PREFIX + b + f',"hash":"{link(prev, b)}","prev":"{prev}"}}\n'.encode()


@pytest.mark.parametrize("seq", [2, 30, None])
def test_a_body_without_its_seq_is_refused_by_full_verify_and_read_book(seq: int | None) -> None:
    # Well chained, so the bytes were not changed after writing: only the full check sees it.
    record = {**to_record(ENTRIES[2].act), "seq": seq}
    data = book_bytes(ENTRIES[:2]) + forged_line(record, ENTRIES[1].hash)
    assert verdict(data).ok
    v = verdict(data, full=True)
    assert (v.line, v.reason) == (3, f"act 3: its body does not hold seq 3 (it holds {seq!r})")
    with pytest.raises(BrokenBook, match=r"act 3: its body does not hold seq 3 \(it holds"):
        list(read_book(_split_lf(data)))


def test_a_non_canonical_body_passes_the_byte_check_but_not_the_full_one() -> None:
    # A well-chained body with a space: no byte of a written book was changed, but it is not
    # a body the writer makes. Plain verify checks bytes and links; full also parses.
    spaced = forged_line(
        b'{"kind": "test.book.voted","motion":1,"seq":1,"voter":"bo","choice":"no"}', GENESIS
    )
    assert verify([spaced]).ok
    v = verify([spaced], full=True)
    assert v.reason == "act 1: its body is not in canonical form (sorted keys, no spaces, UTF-8)"
    with pytest.raises(BrokenBook, match="not in canonical form"):
        list(read_book([spaced]))


@pytest.mark.parametrize(
    ("body_bytes", "reason"),
    [
        (b'{"kind":"test.book.voted","motion":1.5,"seq":1}', "the book holds no floats"),
        (b'{"kind":"x","seq":1,', "its body is not JSON"),
        (b'[{"kind":"x","seq":1}]', "its body is not a JSON object"),
        (b'{"kind":3,"seq":1}', "its body has no kind"),
        (b'{"kind":"x","seq":1,"z":{"a":1}}', "its body holds an object inside it"),
        (b'{"kind":"x","seq":1,"z":18446744073709551616}', "cannot be in a book"),
        (b'{"kind":"x","seq":true}', "does not hold seq 1 (it holds True)"),
        (b'{"kind":"x","seq":1,"seq":1}', "not in canonical form"),
    ],
)
def test_full_verify_refuses_bodies_that_are_not_act_records(
    body_bytes: bytes, reason: str
) -> None:
    forged = forged_line(body_bytes, GENESIS)
    v = verify([forged], full=True)
    assert v.line == 1 and v.reason is not None and reason in v.reason
    with pytest.raises(BrokenBook, match=re.escape(reason)):
        list(read_book([forged]))


def test_full_verify_names_the_first_failure_even_after_good_lines() -> None:
    lines = [line(e) for e in ENTRIES[:5]]
    lines.append(forged_line(b'{"kind":"x","seq":6,"z":1.0}', ENTRIES[4].hash))
    v = verify(lines, full=True, head=ENTRIES[2].hash)
    assert (v.line, v.count, v.head, v.head_seq) == (6, 5, ENTRIES[4].hash, 3)
    assert verify(lines).ok


def test_the_empty_book_is_refused(tmp_path: Path) -> None:
    assert verify([]).reason == "the book is empty: it has no acts"
    (tmp_path / "empty.jsonl").write_bytes(b"")
    with pytest.raises(BrokenBook, match="the book is empty"):
        list(read_book(tmp_path / "empty.jsonl"))


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BrokenBook, match="cannot read the book"):
        verify_file(tmp_path / "nope.jsonl")
    with pytest.raises(BrokenBook, match="cannot read the book"):
        list(read_book(tmp_path / "nope.jsonl"))


def test_read_book_names_the_act_of_an_unknown_kind() -> None:
    data = forged_line({"kind": "test.book.never", "seq": 1}, GENESIS)
    assert verify([data], full=True).ok
    with pytest.raises(UnknownKind, match=r"act 1: act kind 'test\.book\.never' is not known"):
        list(read_book([data]))


def test_read_book_names_an_act_with_a_missing_field() -> None:
    data = forged_line({"kind": "test.book.voted", "seq": 1, "motion": 1}, GENESIS)
    with pytest.raises(InvalidAct, match=r"act 1: a test\.book\.voted act lacks its field"):
        list(read_book([data]))
