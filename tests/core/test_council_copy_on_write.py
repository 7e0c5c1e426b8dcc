"""`CouncilState.copy` is copy-on-write: a decision shares the objects its acts do not reach
with the state it decided from, and no later decision, copy or replay may change any earlier
state through them."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from sovet.core.council import CouncilState, apply, decide, replay
from sovet.core.demo import demo_acts

ACTS = demo_acts(start=datetime(2026, 1, 5, tzinfo=UTC), seed=3)
TABLES = ("members", "declarations", "actions", "motions", "elections", "offices", "petitions",
          "parties")


def snapshot(state: CouncilState) -> CouncilState:
    """A deep copy taken without reading through a copy-on-write table (which would clone)."""
    plain = copy.copy(state)
    for name in TABLES:
        table = getattr(state, name)
        setattr(plain, name, dict(table.settled() if hasattr(table, "settled") else table))
    return copy.deepcopy(plain)


def test_a_chain_of_decisions_leaves_every_earlier_state_as_it_was() -> None:
    state = replay(ACTS[:20])
    states: list[tuple[CouncilState, CouncilState]] = []
    for act in ACTS[20:]:
        states.append((state, snapshot(state)))
        state = decide(state, act).state
    assert state == replay(ACTS)
    for i, (kept, then) in enumerate(states):
        assert kept == then, f"state before act {21 + i} changed"


def test_a_copy_of_a_copy_being_changed_is_its_own() -> None:
    base = replay(ACTS[:60])
    base_then = copy.deepcopy(base)
    first = base.copy()
    for act in ACTS[60:80]:
        apply(first, act)
    second = first.copy()  # copied while `first` is still copy-on-write
    second_then = snapshot(second)
    for act in ACTS[80:]:
        apply(first, act)
    assert second == second_then, "changing the first copy changed the second"
    first_now = snapshot(first)
    for act in ACTS[80:]:
        apply(second, act)
    assert first == first_now, "changing the second copy changed the first"
    second.settle()
    first.settle()
    assert base == base_then
    assert first == second == replay(ACTS)


def test_replay_onto_a_decided_state_leaves_its_ancestor_alone() -> None:
    base = replay(ACTS[:100])
    base_then = copy.deepcopy(base)
    decided = decide(base, ACTS[100]).state
    replay(ACTS[101:], decided)
    assert base == base_then
    assert decided == replay(ACTS)


def test_a_working_copy_applies_each_decision_in_place_and_leaves_its_source_alone() -> None:
    from sovet.core.council import settled, working

    base = replay(ACTS[:20])
    base_then = snapshot(base)
    work = working(base)
    for act in ACTS[20:]:
        assert decide(work, act).state is work  # no copy per decision
    state = settled(work)
    assert type(state) is CouncilState
    assert state == replay(ACTS)
    assert base == base_then
    later = decide(state, ACTS[-1]).state  # an ordinary state again: decisions copy it
    assert later is not state


def test_a_refused_vote_leaves_a_working_copy_as_it_was() -> None:
    import pytest

    from sovet.core.ballot import vote
    from sovet.core.council import settled, working
    from sovet.core.errors import RuleError

    state = replay(ACTS)
    work = working(state)
    before = snapshot(state)
    with pytest.raises(RuleError):
        vote(work, motion=10_000, by="nobody", choice="yes", at=datetime(2027, 1, 1, tzinfo=UTC))
    assert settled(work) == before


def test_a_decision_hands_back_the_tables_its_acts_did_not_reach() -> None:
    """A vote reaches the motions only: the new state keeps the old members table itself
    (no copy of every member), and a table that was reached is a table of its own."""
    from sovet.core.ballot import VoteCast

    state = replay(ACTS)
    motion, m = next((n, m) for n, m in state.motions.items() if not m.secret)
    voter = next(p for p in state.members if p not in m.votes)
    after = decide(state, VoteCast(motion=motion, by=voter, choice="yes", at=m.moved_at)).state
    assert after.members is state.members
    assert after.motions is not state.motions
    assert voter in after.motions[motion].votes and voter not in state.motions[motion].votes


def test_a_copy_copies_no_table_until_it_hands_out_an_object() -> None:
    """A copy of a settled state wraps its tables and reads through to them: keys, `in`,
    `len` and a member's standing copy nothing (a large council's copy costs a few wrappers),
    and the settled copy keeps every table itself. Taking an object copies that table only."""
    state = replay(ACTS)
    c = state.copy()
    person = next(iter(state.members))
    assert person in c.members and len(c.members) == len(state.members)
    assert list(c.members) == list(state.members)
    assert c.is_member(person) == state.is_member(person)
    assert c.status(person) == state.status(person)
    assert all(dict.__len__(getattr(c, t)) == 0 for t in TABLES if getattr(state, t))
    motion = next(iter(state.motions))
    assert c.motions[motion] == state.motions[motion]  # handed out: a clone, in a copied table
    assert c.motions[motion] is not state.motions[motion]
    assert dict.__len__(c.motions) == len(state.motions)
    assert c.members == state.members and c.motions == state.motions
    c.settle()
    assert all(getattr(c, t) is getattr(state, t) for t in TABLES if t != "motions")
