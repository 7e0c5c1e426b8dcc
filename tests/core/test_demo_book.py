"""The demo council's real book: every changed byte is caught, on the line that holds it."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from sovet.core.book import chain, line, verify
from sovet.core.council import replay
from sovet.core.demo import demo_acts

ACTS = demo_acts(start=datetime(2026, 3, 2, 9, 0, tzinfo=UTC), seed=1871)
LINES = [line(e) for e in chain(ACTS)]
BOOK = b"".join(LINES)
ENDS = [sum(len(x) for x in LINES[: i + 1]) for i in range(len(LINES))]


def line_of(position: int) -> int:
    """The 1-based line holding the byte at `position`."""
    return next(i for i, end in enumerate(ENDS, 1) if position < end)


def split(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def test_the_demo_book_verifies_and_replays_to_the_state_its_rules_built() -> None:
    v = verify(split(BOOK))
    assert v.ok and v.count == len(ACTS)
    assert replay(ACTS) == replay(e.act for e in chain(ACTS))


@settings(max_examples=300, deadline=None)
@given(position=st.integers(0, len(BOOK) - 1), byte=st.integers(0, 255))
def test_any_changed_byte_of_the_demo_book_is_caught_on_its_line(position: int, byte: int) -> None:
    if BOOK[position] == byte:
        byte ^= 0xFF
    changed = BOOK[:position] + bytes([byte]) + BOOK[position + 1 :]
    v = verify(split(changed))
    assert not v.ok
    # A changed newline merges or splits lines: the failure is then at that line or the next.
    assert v.line in (line_of(position), line_of(position) + 1)
    assert v.count == v.line - 1
