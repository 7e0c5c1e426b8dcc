"""Founding: a founding group of at least the charter's minimum, each confirming."""

from __future__ import annotations

from cast import T0, T1, Council, ana, bo, cy, dan, eve, refused

from sovet.core.charter import Charter
from sovet.core.council import CouncilState, replay
from sovet.core.errors import AlreadyDone, BadCharter, BadCommand, NotEligible, WrongState
from sovet.core.founding import (
    CouncilFounded,
    FoundingConfirmed,
    FoundingProposed,
    confirm_founding,
    propose_founding,
)
from sovet.core.membership import apply_for


def test_a_council_is_founded_when_every_founder_has_confirmed():
    d = propose_founding(CouncilState(), council="c1", name="Tenants of Block 9",
                         founders=(ana, bo, cy), by=ana, at=T0)
    assert [type(a) for a in d.acts] == [FoundingProposed, FoundingConfirmed]
    assert not d.state.founded
    d = confirm_founding(d.state, by=bo, at=T1)
    d = confirm_founding(d.state, by=cy, at=T1)
    assert [type(a) for a in d.acts] == [FoundingConfirmed, CouncilFounded]
    assert d.state.founded and d.state.n_members == 3
    assert all(d.state.is_member(p) for p in (ana, bo, cy))


def test_the_book_starts_with_the_founding_and_replays_to_the_same_state():
    c = Council(ana, bo, cy, dan)
    assert isinstance(c.acts[0], FoundingProposed)
    assert replay(c.acts) == c.state


def test_a_founding_group_smaller_than_the_charters_minimum_is_refused():
    refused(CouncilState(), propose_founding, BadCommand,
            "at least 3 people .* this founding group has 2",
            council="c1", name="Two", founders=(ana, bo), by=ana, at=T0)


def test_the_charters_minimum_of_founders_can_be_set():
    d = propose_founding(CouncilState(), council="c1", name="Pair", founders=(ana, bo),
                         by=ana, at=T0, charter=Charter(min_founders=2))
    assert d.state.founders == (ana, bo)


def test_only_a_founder_proposes_or_confirms_and_each_confirms_once():
    refused(CouncilState(), propose_founding, NotEligible, "only a founder may",
            council="c1", name="X", founders=(ana, bo, cy), by=eve, at=T0)
    d = propose_founding(CouncilState(), council="c1", name="X", founders=(ana, bo, cy),
                         by=ana, at=T0)
    refused(d.state, confirm_founding, NotEligible, "eve is not in it", by=eve, at=T1)
    refused(d.state, confirm_founding, AlreadyDone, "already confirmed", by=ana, at=T1)


def test_a_bad_first_charter_or_repeated_founder_is_refused():
    refused(CouncilState(), propose_founding, BadCharter, "over 100 %", council="c1",
            name="X", founders=(ana, bo, cy), by=ana, at=T0, charter=Charter(quorum=(5, 4)))
    refused(CouncilState(), propose_founding, BadCommand, "each founder is named once",
            council="c1", name="X", founders=(ana, ana, bo, cy), by=ana, at=T0)


def test_nothing_happens_in_a_council_before_it_is_founded():
    d = propose_founding(CouncilState(), council="c1", name="X", founders=(ana, bo, cy),
                         by=ana, at=T0)
    refused(d.state, apply_for, WrongState, "not founded yet", person=eve, at=T1)
    c = Council(ana, bo, cy)
    refused(c.state, propose_founding, WrongState, "already holds council", council="c2",
            name="Y", founders=(ana, bo, cy), by=ana, at=T1)
