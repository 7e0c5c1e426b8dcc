"""docs/book.md's worked example and figures, checked against the code so the doc cannot drift."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pytest

from sovet.core.acts import Act, act
from sovet.core.book import (
    _TAIL,
    GENESIS,
    PREFIX,
    body,
    canonical,
    chain,
    line,
    merkle_root,
    read_book,
    verify,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "book.md"
TEXT = DOC.read_text(encoding="utf-8")
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@act
@dataclass(frozen=True, slots=True)
class Founded(Act):
    """The example's first act."""

    kind: ClassVar[str] = "test.founded"
    council: str
    name: str
    founders: tuple[str, ...]
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class Noted(Act):
    """The example's second act: a field after seq, escapes and non-ASCII."""

    kind: ClassVar[str] = "test.noted"
    by: str
    text: str
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class Voted(Act):
    """The example's third act."""

    kind: ClassVar[str] = "test.voted"
    motion: int
    voter: str
    choice: str


EXAMPLE: list[Act] = [
    Founded(
        council="hofstrasse-12",
        name="Tenants of Hofstraße 12",
        founders=("ana", "bo", "cy"),
        at=T0,
    ),
    Noted(
        by="bo",
        text='Rent strike: "no" to the 8 % rise\nfrom 1 December',
        at=T0.replace(minute=5),
    ),
    Voted(motion=1, voter="cy", choice="yes"),
]
ENTRIES = chain(EXAMPLE)


def fenced(info: str) -> str:
    """The one fenced block of the doc with this info string."""
    blocks = re.findall(rf"^```{info}\n(.*?)^```$", TEXT, flags=re.S | re.M)
    assert len(blocks) == 1, f"docs/book.md should have one ```{info} block"
    return str(blocks[0])


def test_the_example_book_is_what_the_code_writes() -> None:
    doc_lines = fenced("jsonl").encode("utf-8").splitlines(keepends=True)
    assert doc_lines == [line(e) for e in ENTRIES]
    assert list(read_book(doc_lines)) == ENTRIES


def test_the_example_book_verifies_with_the_head_the_doc_gives() -> None:
    doc_lines = fenced("jsonl").encode("utf-8").splitlines(keepends=True)
    v = verify(doc_lines)
    assert v.ok and v.count == 3
    assert f"3 acts, head `{v.head}`" in " ".join(TEXT.split())
    cut = verify(doc_lines[:2], head=v.head)
    assert not cut.ok and cut.count == 2
    assert verify(doc_lines[:2]).ok


def test_the_example_hashes_are_the_chain() -> None:
    listed = dict(re.findall(r"^ {4}hash_(\d) = ([0-9a-f]{64})$", TEXT, flags=re.M))
    assert listed == {"0": GENESIS, **{str(e.seq): e.hash for e in ENTRIES}}


def test_the_example_body_bytes_are_act_1s_body() -> None:
    doc_hex = "".join(fenced("hex").split())
    assert bytes.fromhex(doc_hex) == body(EXAMPLE[0], 1)
    assert f"these {len(body(EXAMPLE[0], 1))} bytes" in TEXT
    assert hashlib.sha256(bytes(32) + bytes.fromhex(doc_hex)).hexdigest() == ENTRIES[0].hash


def test_the_line_layout_figures_are_the_code_s() -> None:
    assert _TAIL == 150 and f"**{_TAIL} bytes**" in TEXT
    assert len(PREFIX) == 7
    assert f"at least {len(PREFIX) + 2 + _TAIL} bytes long" in TEXT
    e = ENTRIES[1]
    text = line(e)
    size = len(text)
    # The slices the doc gives for a line of L bytes.
    assert text[7 : size - 150] == body(e.act, 2)
    assert text[size - 141 : size - 77].decode() == e.hash
    assert text[size - 67 : size - 3].decode() == e.prev


def test_the_merkle_example_is_the_code_s() -> None:
    leaves = [b"yes", b"no", b"yes"]
    leaf = [hashlib.sha256(b"\x00" + x).digest() for x in leaves]
    node = hashlib.sha256(b"\x01" + leaf[0] + leaf[1]).hexdigest()
    figures = dict(
        re.findall(r"^ {4}(leaf\(\w+\)|node\(1, 2\)|root) += ([0-9a-f]{64})$", TEXT, re.M)
    )
    assert figures == {
        "leaf(yes)": leaf[0].hex(),
        "leaf(no)": leaf[1].hex(),
        "node(1, 2)": node,
        "root": merkle_root(leaves),
    }
    assert f'root([])     = SHA-256( "" )              = {merkle_root([])}' in TEXT


@pytest.mark.parametrize(
    ("char", "written"),
    [
        ('"', '\\"'),
        ("\\", "\\\\"),
        ("\b", "\\b"),
        ("\t", "\\t"),
        ("\n", "\\n"),
        ("\f", "\\f"),
        ("\r", "\\r"),
        ("\x1f", "\\u001f"),
        ("é", "é"),
        ("/", "/"),
        ("\x7f", "\x7f"),
        ("\u2028", "\u2028"),
        ("💪", "💪"),
    ],
)
def test_the_escape_rules_the_doc_gives_are_the_code_s(char: str, written: str) -> None:
    assert canonical(char) == f'"{written}"'.encode()


def test_every_hash_in_the_doc_is_one_the_code_computes() -> None:
    known = {GENESIS, merkle_root([]), merkle_root([b"yes", b"no", b"yes"])}
    known |= {e.hash for e in ENTRIES}
    known |= {hashlib.sha256(b"\x00" + x).hexdigest() for x in (b"yes", b"no")}
    leaf = [hashlib.sha256(b"\x00" + x).digest() for x in (b"yes", b"no")]
    known.add(hashlib.sha256(b"\x01" + leaf[0] + leaf[1]).hexdigest())
    assert set(re.findall(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])", TEXT)) <= known
