"""Ballots: open (each named vote an act in the book) or secret (roll and box kept apart).

A secret ballot (DESIGN.md, guarantee 3) is split between the core and the shell:

- `cast_secret` checks the voter's right and returns a `SecretVote`: a roll entry (who voted,
  no choice) and a box entry (what was voted: no person, no time, no id). Nothing is written to
  the book per vote and nothing is returned that could serve as a receipt.
- The shell stores both in one transaction (roll: one unique row per voter; box: a random id,
  the ballot). `BallotBox` is the same thing in memory, for the core's tests and the demo.
- At the close, `seal` sorts the box's ballots by their canonical bytes (so nothing of the
  cast order survives), then permutes them with a generator seeded by the recorded seed; the
  close writes one `BallotSealed` act with the Merkle root of that sealed list, the hash of the
  roll (sorted voter ids, canonical encoding), the number of voters and the seed, and the
  decision carries the sealed list for the shell to keep (and to publish when at least the
  charter's `min_published_voters` voted).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

import numpy as np

from sovet.core.acts import Act, act
from sovet.core.council import CouncilState, Decision, Motion, decide, handles
from sovet.core.errors import AlreadyVoted, BadChoice, BallotNotOpen, NotAMember, WrongState

CHOICES = ("yes", "no", "abstain")
Content = str | tuple[str, ...]


@act
@dataclass(frozen=True, slots=True)
class BallotOpened(Act):
    """A motion's ballot opens, with the rules it is decided by, fixed from the charter."""

    kind: ClassVar[str] = "ballot.opened"
    motion: int
    secret: bool
    closes: datetime
    quorum_num: int
    quorum_den: int
    threshold_num: int
    threshold_den: int
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class VoteCast(Act):
    """A named vote on an open ballot (or a delegate's vote, which is always open)."""

    kind: ClassVar[str] = "vote.cast"
    motion: int
    by: str
    choice: str
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class BallotSealed(Act):
    """A secret ballot's close: its sealed list's Merkle root, the roll's hash, the count.

    `of` is `motion` or `election`; `ballot` is the motion's id (an election's id is its
    election-call motion's). `published` says whether the sealed list is public.
    """

    kind: ClassVar[str] = "ballot.sealed"
    of: str
    ballot: int
    voters: int
    root: str
    roll: str
    seed: int
    published: bool
    at: datetime


@dataclass(frozen=True, slots=True)
class RollEntry:
    """One row of a secret ballot's voter roll: who voted, never what."""

    of: str
    ballot: int
    person: str


@dataclass(frozen=True, slots=True)
class BoxEntry:
    """One row of a secret ballot's box: what was voted, never who or when."""

    of: str
    ballot: int
    content: Content


@dataclass(frozen=True, slots=True)
class SecretVote:
    """A checked secret vote: store `roll` and `box` in one transaction, apart from each other."""

    roll: RollEntry
    box: BoxEntry


@dataclass(slots=True)
class BallotBox:
    """A secret ballot's roll and box, as the shell keeps them (here in memory)."""

    roll: set[str] = field(default_factory=set)
    ballots: list[Content] = field(default_factory=list)

    def put(self, vote: SecretVote) -> None:
        """Store one secret vote: the roll's unique row and the box's row, together.

        Raises `AlreadyVoted` if the person is on the roll (the shell's UNIQUE constraint).
        """
        if vote.roll.person in self.roll:
            raise AlreadyVoted(f"{vote.roll.person} has already voted on this ballot",
                               person=vote.roll.person)
        self.roll.add(vote.roll.person)
        self.ballots.append(vote.box.content)


def ballot_bytes(content: Content) -> bytes:
    """A ballot's canonical bytes (the book's canonical encoding of `{"vote": content}`)."""
    from sovet.core.book import canonical

    value: object = list(content) if isinstance(content, tuple) else content
    out: bytes = canonical({"vote": value})
    return out


def seal(ballots: Iterable[Content], seed: int) -> tuple[bytes, ...]:
    """The sealed ballot list: canonical bytes sorted, then permuted by the seeded generator.

    Sorting first means the permutation depends on the seed and the multiset of ballots only,
    never on the order they were cast. The generator is NumPy's PCG64 seeded with `seed`,
    drawing `permutation(n)`.
    """
    ordered = sorted(ballot_bytes(c) for c in ballots)
    order = np.random.Generator(np.random.PCG64(seed)).permutation(len(ordered))
    return tuple(ordered[int(i)] for i in order)


def roll_hash(roll: Iterable[str]) -> str:
    """The SHA-256 (hex) of the canonical encoding of the sorted voter ids."""
    from sovet.core.book import canonical

    data: bytes = canonical(sorted(roll))
    return hashlib.sha256(data).hexdigest()


def sealed_act(
    state: CouncilState, *, of: str, ballot: int, box: BallotBox, seed: int, at: datetime
) -> tuple[BallotSealed, tuple[bytes, ...]]:
    """Seal a secret ballot's box: the `BallotSealed` act and the sealed list."""
    from sovet.core.book import merkle_root

    if seed < 0:
        raise BadChoice(f"a seal's seed must be a non-negative integer, not {seed}", seed=seed)
    sealed = seal(box.ballots, seed)
    root: str = merkle_root(sealed)
    return (
        BallotSealed(
            of=of,
            ballot=ballot,
            voters=len(box.roll),
            root=root,
            roll=roll_hash(box.roll),
            seed=seed,
            published=len(box.roll) >= state.charter.min_published_voters,
            at=at,
        ),
        sealed,
    )


def outcome(
    *, yes: int, no: int, abstain: int, electorate: int, quorum: tuple[int, int],
    threshold: tuple[int, int],
) -> bool:
    """Whether a motion carries: the ONE function every path uses.

    The quorum is met when the voters (abstentions count) are at least the charter's `quorum`
    fraction of the electorate; the motion then carries when yes is more than half of yes and
    no together and, for a qualified majority (a `threshold` above one half, e.g. two thirds),
    at least that fraction of them. Abstentions do not count there. The counting itself is
    `sovet.count.majority`, the same engine `sovet tally` and a recount use.
    """
    # Imported here: sovet.count reaches sovet.core.errors, which loads this package.
    from sovet.count.majority import majority

    num, den = threshold
    decided = majority(
        yes, no, abstain,
        # A member who voted and then left still voted; the electorate cannot be smaller.
        electorate=max(electorate, yes + no + abstain),
        quorum=quorum,
        threshold=threshold,
        inclusive=2 * num > den,
    )
    return decided.carried


def _open_motion(state: CouncilState, motion: int, by: str, at: datetime, what: str) -> Motion:
    m = state.motion(motion)
    if m.status != "open" or m.opens is None or m.closes is None:
        state_word = {"moved": "is waiting for seconders", "carried": "is decided",
                      "lost": "is decided"}.get(m.status, m.status)
        raise BallotNotOpen(f"{by} cannot {what} on motion {motion}: its ballot is not open "
                            f"(the motion {state_word})", motion=motion)
    if at < m.opens or at >= m.closes:
        raise BallotNotOpen(f"{by} cannot {what} on motion {motion}: its ballot is open from "
                            f"{m.opens.isoformat()} until {m.closes.isoformat()}",
                            motion=motion)
    if not state.is_member(by):
        raise NotAMember(f"{by} cannot {what} on motion {motion}: only members vote, and {by} "
                         f"is {state.describe(by)}", person=by)
    return m



def _check_choice(choice: str, motion: int) -> None:
    if choice not in CHOICES:
        raise BadChoice(f"{choice!r} is not a vote on motion {motion}; vote yes, no or abstain",
                        choice=choice)


def vote(state: CouncilState, *, motion: int, by: str, choice: str, at: datetime) -> Decision:
    """Vote yes, no or abstain, by name, on a motion's open ballot.

    Members vote, once each, while the ballot is open (charter `voting_days`). On a secret
    ballot only a seated delegate votes by name (guarantee 6: a delegate's votes are open to
    the council that sent them); everyone else uses `cast_secret`. Raises `BallotNotOpen`,
    `NotAMember`, `AlreadyVoted`, `BadChoice`, or `WrongState` on a secret ballot.
    """
    m = _open_motion(state, motion, by, at, "vote")
    _check_choice(choice, motion)
    if m.secret and by not in state.delegates:
        raise WrongState(f"motion {motion} is decided by secret ballot; {by} votes through the "
                         f"secret ballot, not by name", motion=motion)
    if by in m.votes:
        raise AlreadyVoted(f"{by} has already voted on motion {motion}; a person votes once",
                           person=by, motion=motion)
    return decide(state, VoteCast(motion=motion, by=by, choice=choice, at=at))


def cast_secret(
    state: CouncilState, box: BallotBox, *, motion: int, by: str, choice: str, at: datetime
) -> SecretVote:
    """Check a secret vote and return its roll entry and box entry for the shell to store.

    Nothing goes into the book and nothing identifies the ballot to the voter. Members vote,
    once each, while the ballot is open; seated delegates vote by name with `vote` instead.
    Raises `WrongState` on an open ballot or for a delegate, `BallotNotOpen`, `NotAMember`,
    `AlreadyVoted`, `BadChoice`.
    """
    m = _open_motion(state, motion, by, at, "vote")
    _check_choice(choice, motion)
    if not m.secret:
        raise WrongState(f"motion {motion} is decided by open ballot; vote by name",
                         motion=motion)
    if by in state.delegates:
        raise WrongState(f"{by} is a seated delegate, whose votes are open to the council that "
                         f"sent them; vote by name", person=by)
    if by in box.roll:
        raise AlreadyVoted(f"{by} has already voted on motion {motion}; a person votes once",
                           person=by, motion=motion)
    return SecretVote(RollEntry("motion", motion, by), BoxEntry("motion", motion, choice))


def tally(m: Motion, box: BallotBox | None) -> tuple[int, int, int]:
    """Yes, no and abstain on a motion: its named votes plus its secret box."""
    counts = {"yes": 0, "no": 0, "abstain": 0}
    for choice in m.votes.values():
        counts[choice] += 1
    if box is not None:
        for c in box.ballots:
            if isinstance(c, str) and c in counts:
                counts[c] += 1
    return counts["yes"], counts["no"], counts["abstain"]


def require_box(box: BallotBox | None, seed: int | None, what: str) -> tuple[BallotBox, int]:
    """A secret ballot's close needs its box and a seed drawn by the shell."""
    if box is None or seed is None:
        raise WrongState(f"{what} is secret: closing it needs its ballot box and a seed")
    return box, seed


@handles(VoteCast)
def _vote_cast(state: CouncilState, a: VoteCast) -> None:
    state.motions[a.motion].votes[a.by] = a.choice


@handles(BallotSealed)
def _sealed(state: CouncilState, a: BallotSealed) -> None:
    # The seal's effects come with the outcome act that follows it in the same decision.
    pass


def sealed_contents(sealed: Sequence[bytes]) -> list[Content]:
    """Read a published sealed list back into ballots (to recount from the book)."""
    import orjson

    out: list[Content] = []
    for b in sealed:
        v = orjson.loads(b)["vote"]
        out.append(tuple(v) if isinstance(v, list) else str(v))
    return out
