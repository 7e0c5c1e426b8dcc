"""The fixed cast and times of the core's tests, and a small runner of rules.

People: ana, bo, cy, dan, eve, fay, gus, hal, ivy, jo. Times: T0 … T9, one hour apart, and
`DAY`/`WEEK` for voting windows. Never the real clock.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import sovet.core  # noqa: F401  (registers every act kind and handler)
from sovet.core.acts import Act
from sovet.core.ballot import BallotBox, cast_secret, vote
from sovet.core.charter import Charter
from sovet.core.council import CouncilState, Decision, replay
from sovet.core.errors import RuleError
from sovet.core.founding import confirm_founding, propose_founding
from sovet.core.motion import close, move, second

ana, bo, cy, dan, eve, fay, gus, hal, ivy, jo = (
    "ana", "bo", "cy", "dan", "eve", "fay", "gus", "hal", "ivy", "jo"
)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
T1, T2, T3, T4, T5, T6, T7, T8, T9 = (T0 + timedelta(hours=h) for h in range(1, 10))
DAY = timedelta(days=1)
WEEK = timedelta(days=7)


class Council:
    """A council in a test: the state, its acts so far, and a clock that only moves forward."""

    def __init__(self, *founders: str, charter: Charter | None = None) -> None:
        self.state = CouncilState()
        self.acts: list[Act] = []
        self.now = T0
        if founders:
            self.do(propose_founding, council="c1", name="Test council", founders=founders,
                    by=founders[0], charter=charter)
            for p in founders[1:]:
                self.do(confirm_founding, by=p)

    def tick(self, by: timedelta = timedelta(minutes=1)) -> datetime:
        self.now += by
        return self.now

    def do(self, rule: Callable[..., Decision], **kw: Any) -> Decision:
        """Run a rule now (or at `at=`), keep its state and acts."""
        if "at" in kw:
            self.now = max(self.now, kw["at"])
        else:
            kw["at"] = self.tick()
        d = rule(self.state, **kw)
        self.state = d.state
        self.acts.extend(d.acts)
        return d

    def members(self) -> list[str]:
        return sorted(p for p in self.state.members if self.state.is_member(p))

    def last_motion(self) -> int:
        return max(self.state.motions)

    def vote_all(self, motion: int, yes: set[str], voters: list[str] | None = None,
                 seed: int = 1) -> Decision:
        """Every member (or `voters`) votes (yes if in `yes`, else no); then close."""
        m = self.state.motion(motion)
        box = BallotBox()
        for p in self.members() if voters is None else voters:
            choice = "yes" if p in yes else "no"
            if m.secret:
                box.put(cast_secret(self.state, box, motion=motion, by=p, choice=choice,
                                    at=self.tick()))
            else:
                self.do(vote, motion=motion, by=p, choice=choice)
        assert m.closes is not None
        self.now = max(self.now, m.closes)
        if m.secret:
            return self.do(close, motion=motion, box=box, seed=seed)
        return self.do(close, motion=motion)

    def carry(self, yes: set[str] | None = None, **kw: Any) -> int:
        """Move (by `by`), second (by another member), vote and close a motion; its id."""
        by = kw.pop("by")
        self.do(move, by=by, **kw)
        number = self.last_motion()
        if self.state.motions[number].status == "moved":
            seconder = next(p for p in self.members() if p != by)
            self.do(second, motion=number, by=seconder)
        self.vote_all(number, set(self.members()) if yes is None else yes)
        return number


def founded(*people: str, charter: Charter | None = None) -> Council:
    """A council founded by `people` (default ana, bo, cy)."""
    return Council(*(people or (ana, bo, cy)), charter=charter)


def refused(
    state: CouncilState, rule: Callable[..., Decision], error: type[RuleError], match: str,
    **kw: Any,
) -> RuleError:
    """Assert that a rule refuses with `error` and a message matching `match`, writing nothing
    and leaving the given state as it was."""
    before = copy.deepcopy(state)
    with pytest.raises(error, match=match) as info:
        rule(state, **kw)
    assert state == before
    assert isinstance(info.value, RuleError) and info.value.code
    return info.value


def replays_to_live(c: Council) -> bool:
    """The state rebuilt from the acts equals the live state."""
    return replay(c.acts) == c.state
