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
        setattr(plain, name, dict(getattr(state, name)))
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
