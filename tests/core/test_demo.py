"""The demo council: built through the rules, holding every kind of act the core knows."""

from __future__ import annotations

from datetime import UTC, datetime

import sovet.core  # noqa: F401
from sovet.core.acts import from_record, kinds, to_record
from sovet.core.book import chain, verify
from sovet.core.book import line as book_line
from sovet.core.council import handled, replay
from sovet.core.demo import demo_acts

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_the_demo_book_holds_every_registered_kind_and_apply_knows_them_all():
    acts = demo_acts(start=START, seed=7)
    # Other tests may register kinds of their own; the core's are those of sovet.core.
    core = {k for k, cls in kinds().items() if cls.__module__.startswith("sovet.core.")}
    assert len(core) >= 31
    assert {a.kind for a in acts} == core
    assert {type(a) for a in acts} == set(handled())


def test_the_demo_is_the_same_for_the_same_arguments_and_round_trips_through_records():
    acts = demo_acts(start=START, seed=7)
    assert acts == demo_acts(start=START, seed=7)
    assert [from_record(to_record(a)) for a in acts] == acts


def test_the_demo_book_verifies_and_replays():
    acts = demo_acts(start=START, seed=7)
    entries = chain(acts)
    assert verify(book_line(e) for e in entries).ok
    state = replay(acts)
    assert state.status("eve") == "refused" and state.status("jo") == "left"
    assert state.parties[1].status == "legal" and state.parties[2].status == "proposed"
    assert state.parent == "district-council" and "night-shift-council" in state.children
    assert len(state.offices[1].mandates) == 2  # three elected, one recalled
