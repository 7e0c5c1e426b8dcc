"""Elections: a carried election call fills an office's seats by ranked ballots.

The carried election-call motion opens the election (its id is the motion's): nominations run
for the charter's `nomination_days`, then voting for its `voting_days` of `election`. Members
stand themselves, or a legal party stands a slate of its members; a person who has won the
office `term_limit` times cannot stand again. Ballots rank candidates (tuples of person ids),
open (each ranking an act) or secret (charter `secret`). The close counts them with
`sovet.count` (instant-runoff or Schulze for one seat, Scottish STV or Meek for several) using a
lot seeded by the recorded seed, and records the elected and each stage's votes in the book;
the winners take the office's mandates for the charter's `term_days`. Anyone can recount from
the book (open) or the published sealed list (secret).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

import numpy as np

from sovet.core.acts import Act, act
from sovet.core.ballot import (
    BallotBox,
    BoxEntry,
    Content,
    RollEntry,
    SecretVote,
    require_box,
    sealed_act,
)
from sovet.core.council import (
    CouncilState,
    Decision,
    Election,
    Mandate,
    Motion,
    Office,
    decide,
    handles,
)
from sovet.core.errors import (
    AlreadyDone,
    AlreadyVoted,
    BadChoice,
    BallotNotOpen,
    NotAMember,
    NotEligible,
    WrongState,
)
from sovet.core.motion import MotionDecided, effect


@act
@dataclass(frozen=True, slots=True)
class CandidateNominated(Act):
    """A member stands for election (their own act); `party` 0 means no party."""

    kind: ClassVar[str] = "election.nominated"
    election: int
    person: str
    party: int
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class SlateStood(Act):
    """A legal party stands a slate of its members, proposed by one of them."""

    kind: ClassVar[str] = "election.slate_stood"
    election: int
    party: int
    candidates: tuple[str, ...]
    by: str
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class RankingCast(Act):
    """A named ranked ballot in an open election."""

    kind: ClassVar[str] = "election.ranked"
    election: int
    by: str
    ranking: tuple[str, ...]
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class ElectionCounted(Act):
    """An election's count: who is elected, and each stage's votes per candidate.

    `candidates` are in the order the count numbered them (sorted ids); `stages[i][j]` is
    candidate j's votes after stage i, at the count's `scale`; `actions[i]` names stage i.
    """

    kind: ClassVar[str] = "election.counted"
    election: int
    method: str
    seats: int
    candidates: tuple[str, ...]
    elected: tuple[str, ...]
    ballots: int
    seed: int
    scale: int
    stages: tuple[tuple[int, ...], ...]
    actions: tuple[str, ...]
    at: datetime


def _eligible(state: CouncilState, e: Election, person: str, at: datetime) -> None:
    if not state.is_member(person):
        raise NotAMember(f"{person} cannot stand: only members stand for office, and {person} "
                         f"is {state.describe(person)}", person=person)
    if at >= e.nominations_close:
        raise WrongState(f"nominations closed at {e.nominations_close.isoformat()}")
    if person in e.candidates:
        raise AlreadyDone(f"{person} already stands in this election", person=person)
    office = state.offices[e.office]
    held = office.terms.get(person, 0)
    if held >= state.charter.term_limit:
        raise NotEligible(f"{person} cannot stand for {office.name}: {person} has held it "
                          f"{held} times, the charter's term_limit", person=person)


def nominate(state: CouncilState, *, election: int, person: str, at: datetime) -> Decision:
    """Stand for election oneself, during the nomination period (charter `nomination_days`).

    Raises `NotFound`, `NotAMember`, `WrongState` (nominations closed), `AlreadyDone`,
    `NotEligible` (the charter's `term_limit` reached).
    """
    e = state.election(election)
    _eligible(state, e, person, at)
    return decide(state, CandidateNominated(election=election, person=person, party=0, at=at))


def stand_slate(
    state: CouncilState, *, election: int, party: int, candidates: tuple[str, ...], by: str,
    at: datetime,
) -> Decision:
    """Stand a party's slate; only a legal party stands one, proposed by one of its members,
    of its members. Raises `NotFound`, `WrongState` (party not legal), `NotEligible`, and
    whatever `nominate` would raise for each candidate."""
    e = state.election(election)
    p = state.party(party)
    if p.status != "legal":
        raise WrongState(f"party {party} ({p.name}) is {p.status}; only legal parties stand "
                         f"slates", party=party)
    if by not in p.members:
        raise NotEligible(f"{by} cannot stand a slate for {p.name}: only its members can",
                          person=by)
    if not candidates or len(set(candidates)) != len(candidates):
        raise BadChoice("a slate names at least one candidate, each once")
    for c in candidates:
        if c not in p.members:
            raise NotEligible(f"{c} is not a member of party {p.name} and cannot be on its slate",
                              person=c)
        _eligible(state, e, c, at)
    return decide(state, SlateStood(election=election, party=party, candidates=candidates,
                                    by=by, at=at))


def _voting(state: CouncilState, election: int, by: str, ranking: tuple[str, ...],
            at: datetime) -> Election:
    e = state.election(election)
    if e.status == "counted" or at < e.nominations_close or at >= e.closes:
        raise BallotNotOpen(f"{by} cannot vote in election {election}: voting runs from "
                            f"{e.nominations_close.isoformat()} until {e.closes.isoformat()}",
                            election=election)
    if not state.is_member(by):
        raise NotAMember(f"{by} cannot vote in election {election}: only members vote, and "
                         f"{by} is {state.describe(by)}", person=by)
    if not ranking or len(set(ranking)) != len(ranking):
        raise BadChoice("a ranking names at least one candidate, each once")
    for c in ranking:
        if c not in e.candidates:
            raise BadChoice(f"{c} is not a candidate in election {election}", person=c)
    return e


def rank(state: CouncilState, *, election: int, by: str, ranking: tuple[str, ...],
         at: datetime) -> Decision:
    """Cast a named ranked ballot in an open election (charter `secret` without `election`),
    or, in a secret one, as a seated delegate (guarantee 6: their votes are open).

    Raises `BallotNotOpen`, `NotAMember`, `BadChoice`, `WrongState` (a secret election),
    `AlreadyVoted`.
    """
    e = _voting(state, election, by, ranking, at)
    if e.secret and by not in state.delegates:
        raise WrongState(f"election {election} is secret; vote through the secret ballot")
    if by in e.rankings:
        raise AlreadyVoted(f"{by} has already voted in election {election}; a person votes once",
                           person=by)
    return decide(state, RankingCast(election=election, by=by, ranking=tuple(ranking), at=at))


def cast_secret_ranking(
    state: CouncilState, box: BallotBox, *, election: int, by: str, ranking: tuple[str, ...],
    at: datetime,
) -> SecretVote:
    """Check a secret ranked ballot; return its roll entry and box entry for the shell to store.

    Raises `BallotNotOpen`, `NotAMember`, `BadChoice`, `WrongState` (an open election),
    `AlreadyVoted`.
    """
    e = _voting(state, election, by, ranking, at)
    if not e.secret:
        raise WrongState(f"election {election} is open; vote by name")
    if by in state.delegates:
        raise WrongState(f"{by} is a seated delegate, whose votes are open to the council that "
                         f"sent them; vote by name", person=by)
    if by in box.roll:
        raise AlreadyVoted(f"{by} has already voted in election {election}; a person votes once",
                           person=by)
    return SecretVote(RollEntry("election", election, by),
                      BoxEntry("election", election, tuple(ranking)))


def _method(name: str) -> Callable[..., Any]:
    """The counting function of `sovet.count` for a method name."""
    for module in (f"sovet.count.{name}", "sovet.count.stv", "sovet.count"):
        try:
            fn = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if callable(fn):
            return fn  # type: ignore[no-any-return]
    raise WrongState(f"the counting method {name} is not available in this version of Sovet")


def count(method: str, seats: int, candidates: Sequence[str], rankings: Sequence[Content],
          seed: int) -> Any:
    """Count ranked ballots with `sovet.count` and a lot seeded by `seed`; return its Result.

    Used by the close and by anyone recounting from the book or a published sealed list.
    """
    from sovet.count.lot import Lot
    from sovet.count.profile import Profile

    index = {c: i for i, c in enumerate(candidates)}
    width = max(1, len(candidates))
    rows: dict[tuple[int, ...], int] = {}
    for r in rankings:
        key = tuple(index[c] for c in r)
        rows[key] = rows.get(key, 0) + 1
    keys = sorted(rows)
    matrix = np.full((len(keys), width), -1, dtype=np.int16)
    for i, k in enumerate(keys):
        matrix[i, : len(k)] = k
    weights = np.array([rows[k] for k in keys], dtype=np.int64)
    profile = Profile(candidates=tuple(candidates), rankings=matrix, weights=weights,
                      seats=seats)
    return _method(method)(profile, seats=seats, lot=Lot(seed))


def counts_due(state: CouncilState, now: datetime) -> list[int]:
    """The elections `close_election` would count at `now`: not counted, voting ended."""
    return [n for n, e in state.elections.items() if e.status != "counted" and e.closes <= now]


def close_election(
    state: CouncilState, *, election: int, at: datetime, seed: int, box: BallotBox | None = None
) -> Decision:
    """Close an election at or after the end of its voting, count it, and fill the office.

    A secret election needs its box: the decision writes `BallotSealed` before
    `ElectionCounted` and carries the sealed list. With no candidate or no ballot nobody is
    elected. Raises `NotFound`, `WrongState` (already counted, or a secret box missing),
    `BallotNotOpen` (voting not over).
    """
    e = state.election(election)
    if e.status == "counted":
        raise WrongState(f"election {election} is already counted", election=election)
    if at < e.closes:
        raise BallotNotOpen(f"election {election}'s voting runs until {e.closes.isoformat()}",
                            election=election)
    if seed < 0:
        raise BadChoice(f"a lot's seed must be a non-negative integer, not {seed}")
    acts: list[Act] = []
    sealed: tuple[bytes, ...] = ()
    rankings: list[Content]
    if e.secret:
        box, _ = require_box(box, seed, f"election {election}")
        seal, sealed = sealed_act(state, of="election", ballot=election, box=box, seed=seed,
                                  at=at)
        acts.append(seal)
        rankings = list(box.ballots)
    else:
        rankings = []
    # Named ballots: every ballot of an open election, and seated delegates' in a secret one.
    rankings += [e.rankings[p] for p in sorted(e.rankings)]
    candidates = tuple(sorted(e.candidates))
    elected: tuple[str, ...] = ()
    stages: tuple[tuple[int, ...], ...] = ()
    actions: tuple[str, ...] = ()
    scale = 1
    if candidates and rankings:
        result = count(e.method, e.seats, candidates, rankings, seed)
        elected = tuple(candidates[i] for i in result.elected)
        stages = tuple(tuple(int(v) for v in r.votes) for r in result.rounds)
        actions = tuple(str(r.action) for r in result.rounds)
        scale = int(result.scale)
    acts.append(ElectionCounted(election=election, method=e.method, seats=e.seats,
                                candidates=candidates, elected=elected, ballots=len(rankings),
                                seed=seed, scale=scale, stages=stages, actions=actions, at=at))
    return decide(state, *acts, sealed=sealed)


@effect("election_call")
def _called(state: CouncilState, number: int, m: Motion, a: MotionDecided) -> None:
    if not a.carried:
        return
    office = m.ref
    if not office or office not in state.offices:
        office = state.next_id(state.offices)
        state.offices[office] = Office(name=m.subject, role=m.role, seats=m.seats)
    else:
        state.offices[office].seats = m.seats
    c = state.charter
    nominations_close = a.at + timedelta(days=c.nomination_days)
    state.elections[number] = Election(
        office=office, seats=m.seats, method=m.method, nominations_close=nominations_close,
        closes=nominations_close + timedelta(days=c.voting_period("election")),
        secret=c.is_secret("election"),
    )


@handles(CandidateNominated)
def _nominated(state: CouncilState, a: CandidateNominated) -> None:
    state.elections[a.election].candidates[a.person] = a.party


@handles(SlateStood)
def _slate(state: CouncilState, a: SlateStood) -> None:
    e = state.elections[a.election]
    for c in a.candidates:
        e.candidates[c] = a.party


@handles(RankingCast)
def _ranked(state: CouncilState, a: RankingCast) -> None:
    state.elections[a.election].rankings[a.by] = a.ranking


@handles(ElectionCounted)
def _counted(state: CouncilState, a: ElectionCounted) -> None:
    e = state.elections[a.election]
    e.status = "counted"
    e.elected = a.elected
    office = state.offices[e.office]
    # The new term replaces the old: every mandate of the office ends, the elected begin.
    office.mandates = {}
    until = a.at + timedelta(days=state.charter.term_days)
    for person in a.elected:
        office.mandates[person] = Mandate(since=a.at, until=until, election=a.election)
        office.terms[person] = office.terms.get(person, 0) + 1
