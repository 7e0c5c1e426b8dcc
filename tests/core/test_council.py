"""The state, `apply`, `decide`, `replay`: one path for the live council and its book."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime

import pytest
from cast import T0, ana, bo, cy, eve, founded

from sovet.core.acts import Act
from sovet.core.council import CouncilState, apply, decide, replay
from sovet.core.demo import demo_acts
from sovet.core.errors import UnknownKind
from sovet.core.membership import MemberApplied, apply_for


@dataclasses.dataclass(frozen=True, slots=True)
class Stray(Act):
    kind = "test.stray"


def test_an_act_no_handler_knows_is_refused_clearly():
    with pytest.raises(UnknownKind, match="Stray cannot be applied"):
        replay([Stray()])


def test_decide_applies_to_a_copy_and_leaves_the_callers_state():
    c = founded()
    before = c.state.copy()
    d = apply_for(c.state, person=eve, at=T0)
    assert c.state == before and c.state.status(eve) == "stranger"
    assert d.state.status(eve) == "applicant"


def test_apply_changes_the_state_in_place_for_replay():
    c = founded()
    apply(c.state, MemberApplied(person=eve, at=T0))
    assert c.state.status(eve) == "applicant"


def test_a_copy_is_equal_and_shares_nothing_mutable():
    state = replay(demo_acts(start=datetime(2026, 1, 5, tzinfo=UTC), seed=3))
    twin = state.copy()
    assert twin == state
    for f in dataclasses.fields(CouncilState):
        mine, theirs = getattr(state, f.name), getattr(twin, f.name)
        # `confirmed` is the exception once founded: shared, because it is then replaced, never
        # changed in place (test_founding_confirmations_replace_the_set_a_copy_shares).
        if isinstance(mine, dict | set | list) and f.name != "confirmed":
            assert mine is not theirs, f.name
        if isinstance(mine, dict):
            for k, v in mine.items():
                if dataclasses.is_dataclass(v) and not v.__dataclass_params__.frozen:
                    assert theirs[k] is not v, f"{f.name}[{k}]"


def test_founding_confirmations_replace_the_set_a_copy_shares():
    from sovet.core.founding import FoundingConfirmed

    state = replay(demo_acts(start=datetime(2026, 1, 5, tzinfo=UTC), seed=3))
    before = set(state.confirmed)
    after = decide(state, FoundingConfirmed(by="zed", at=T0)).state
    assert after.confirmed == before | {"zed"}
    assert state.confirmed == before


def test_a_decision_extends_itself_without_copying_again():
    c = founded()
    d = decide(c.state, MemberApplied(person=eve, at=T0))
    d2 = d.then(MemberApplied(person="fay", at=T0))
    assert d2.state is d.state and len(d2.acts) == 2
    assert {ana, bo, cy} <= set(d2.state.members)


def test_permits_says_whether_the_rule_accepts_and_changes_nothing() -> None:
    from sovet.core.council import permits
    from sovet.core.motion import move, second

    c = founded()
    c.do(move, kind="resolution", by=ana, text="Bread for the pickets")
    number = c.last_motion()
    before = copy.deepcopy(c.state)
    assert permits(lambda: second(c.state, motion=number, by=bo, at=c.now))
    assert not permits(lambda: second(c.state, motion=number, by=ana, at=c.now))  # own motion
    assert not permits(lambda: second(c.state, motion=number, by=eve, at=c.now))  # not a member
    assert c.state == before and c.state.motions[number].seconders == set()
