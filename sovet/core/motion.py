"""Motions: moved by a member, seconded, put to a ballot, decided by the charter's rules.

Every kind (`charter.MOTION_KINDS`) shares one path: `move` → `second` (until the charter's
`seconders`) → `BallotOpened` → votes → `close` → `MotionDecided`. The effects of a decided
motion (a member admitted, a charter adopted, a party made legal, a mandate ended, …) are made
by `apply` of `MotionDecided` through `EFFECTS`, registered by the module that owns each
concept, so nothing but a decided motion can make them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from sovet.core.acts import Act, act
from sovet.core.ballot import (
    BallotBox,
    BallotOpened,
    outcome,
    require_box,
    sealed_act,
    tally,
)
from sovet.core.charter import MOTION_KINDS, Charter
from sovet.core.council import CouncilState, Decision, Motion, decide, handles
from sovet.core.errors import (
    AlreadySeconded,
    BadCommand,
    BallotNotOpen,
    NotAMember,
    NotEligible,
    NotFound,
    OwnMotion,
    UnknownKind,
    WrongState,
)
from sovet.core.founding import require_founded

METHODS_ONE_SEAT = ("irv", "schulze")
METHODS_SEVERAL = ("stv_scottish", "meek")
ROLES = ("officer", "delegate")


@act
@dataclass(frozen=True, slots=True)
class MotionMoved(Act):
    """A member moves a motion. Fields beyond kind, text and mover serve some kinds only:

    `subject` is a person (admission, expulsion, recall), a council (affiliation,
    affiliation_request) or an office's name (election_call); `ref` is a party (party kinds) or
    an office (recall, delegate_instruction, election_call for an existing office; 0: none);
    `seats`, `method`, `role` describe the office an election call fills; `charter` is the new
    charter a charter amendment proposes.
    """

    kind: ClassVar[str] = "motion.moved"
    motion: int
    motion_kind: str
    by: str
    text: str
    subject: str
    ref: int
    seats: int
    method: str
    role: str
    charter: tuple[tuple[str | int, ...], ...]
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class MotionSeconded(Act):
    """A member seconds a motion."""

    kind: ClassVar[str] = "motion.seconded"
    motion: int
    by: str
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class MotionDecided(Act):
    """A motion's ballot closed: the counts, the electorate, and whether it carried."""

    kind: ClassVar[str] = "motion.decided"
    motion: int
    carried: bool
    yes: int
    no: int
    abstain: int
    electorate: int
    at: datetime


Effect = Callable[[CouncilState, int, Motion, MotionDecided], None]
EFFECTS: dict[str, Effect] = {}


def effect(kind: str) -> Callable[[Effect], Effect]:
    """Register what a decided motion of one kind does to the state (one per kind)."""

    def register(fn: Effect) -> Effect:
        EFFECTS[kind] = fn
        return fn

    return register


def move(
    state: CouncilState,
    *,
    kind: str,
    by: str,
    at: datetime,
    text: str = "",
    subject: str = "",
    ref: int = 0,
    seats: int = 0,
    method: str = "",
    role: str = "",
    charter: Charter | None = None,
) -> Decision:
    """Move a motion of one of the charter's kinds; members only.

    Its ballot opens at once when the charter asks no seconders (`seconders`), else once enough
    members have seconded. Raises `UnknownKind`, `NotAMember`, and `BadCommand`/`NotFound`/
    `WrongState`/`NotEligible` when the motion's own fields do not fit its kind (an admission of
    someone who has not applied, an invalid charter, an election by an unknown method, …).
    """
    require_founded(state)
    if kind not in MOTION_KINDS or kind == "election":
        raise UnknownKind(f"{kind!r} is not a kind of motion; the kinds are "
                          f"{', '.join(k for k in MOTION_KINDS if k != 'election')}", kind=kind)
    if not state.is_member(by):
        raise NotAMember(f"{by} cannot move a motion: only members may, and {by} is "
                         f"{state.describe(by)}", person=by)
    entries = _check_fields(state, kind, text, subject, ref, seats, method, role, charter)
    number = state.next_id(state.motions)
    moved = MotionMoved(motion=number, motion_kind=kind, by=by, text=text, subject=subject,
                        ref=ref, seats=seats, method=method, role=role, charter=entries, at=at)
    if state.charter.seconders == 0:
        return decide(state, moved, ballot_opening(state, number, kind, subject, at))
    return decide(state, moved)



def _check_fields(
    state: CouncilState, kind: str, text: str, subject: str, ref: int, seats: int, method: str,
    role: str, charter: Charter | None,
) -> tuple[tuple[str | int, ...], ...]:
    if kind in ("resolution", "delegate_instruction") and not text.strip():
        raise BadCommand(f"a {kind} motion needs its text", kind=kind)
    if kind == "admission":
        # The charter's procedure puts admissions to the vote (once sponsored, or objected
        # to); a motion moved by hand would skip the sponsors the charter asks for.
        raise WrongState(f"{subject or 'an applicant'} is put to an admission vote by the "
                         f"charter's procedure ({state.charter.admission}); sponsor the "
                         f"applicant instead", person=subject)
    if kind == "expulsion" and state.status(subject) not in ("member", "applicant"):
        raise WrongState(f"{subject} cannot be expelled: only members and applicants are, and "
                         f"{subject} is {state.describe(subject)}", person=subject)
    if kind == "charter_amendment":
        if charter is None:
            raise BadCommand("a charter amendment proposes a whole new charter; give it")
        return charter.validate().to_entries()
    if kind in ("party_legalization", "party_outlawing"):
        party = state.party(ref)
        if kind == "party_legalization" and party.status == "legal":
            raise WrongState(f"party {ref} ({party.name}) is already legal", party=ref)
        if kind == "party_outlawing" and party.status == "outlawed":
            raise WrongState(f"party {ref} ({party.name}) is already outlawed", party=ref)
    if kind == "election_call":
        _check_election_call(state, subject, ref, seats, method, role)
    if kind == "recall":
        office = state.office(ref)
        if subject not in office.mandates:
            raise NotEligible(f"{subject} holds no mandate in office {ref} ({office.name}) to "
                              f"recall", person=subject, office=ref)
    if kind == "delegate_instruction" and state.office(ref).role != "delegate":
        raise WrongState(f"office {ref} is not a delegate's office; instructions go to "
                         f"delegates", office=ref)
    if kind in ("affiliation", "affiliation_request") and not subject.strip():
        raise BadCommand(f"an {kind} motion names the other council", kind=kind)
    if kind == "affiliation" and subject in state.children:
        raise WrongState(f"council {subject} is already affiliated to this one", council=subject)
    if kind == "affiliation_request" and state.parent is not None:
        raise WrongState(f"this council is already affiliated to {state.parent}")
    return ()


def _check_election_call(
    state: CouncilState, name: str, ref: int, seats: int, method: str, role: str
) -> None:
    if ref:
        office = state.office(ref)
        if any(e.office == ref and e.status != "counted" for e in state.elections.values()):
            raise WrongState(f"an election for office {ref} ({office.name}) is already under way",
                             office=ref)
    elif not name.strip():
        raise BadCommand("an election call names the office it fills")
    if seats < 1:
        raise BadCommand(f"an office has at least one seat, not {seats}", seats=seats)
    if role not in ROLES:
        raise BadCommand(f"an office's role is officer or delegate, not {role!r}", role=role)
    if method not in METHODS_ONE_SEAT + METHODS_SEVERAL:
        raise UnknownKind(f"election method {method!r} is unknown; for one seat use irv or "
                          f"schulze, for several stv_scottish or meek", method=method)
    if seats > 1 and method in METHODS_ONE_SEAT:
        raise BadCommand(f"{method} fills one seat; for {seats} seats use stv_scottish or meek",
                         method=method)
    if role == "delegate" and seats > state.charter.delegates:
        raise BadCommand(f"the charter sends {state.charter.delegates} delegates up (its "
                         f"delegates rule), not {seats}", seats=seats)


def ballot_opening(
    state: CouncilState, motion: int, kind: str, subject: str, at: datetime
) -> BallotOpened:
    """The act that opens a motion's ballot, with its rules fixed from the charter now.

    An admission whose applicant holds a declaration of a barred kind not renounced needs the
    charter's `qualified_majority` instead of the admission threshold.
    """
    c = state.charter
    threshold = c.threshold(kind)
    q = c.qualified_majority
    if kind == "admission" and holds_barred(state, subject) and q[0] * threshold[1] > (
        threshold[0] * q[1]
    ):
        threshold = q
    return BallotOpened(
        motion=motion,
        secret=c.is_secret(kind),
        closes=at + timedelta(days=c.voting_period(kind)),
        quorum_num=c.quorum[0],
        quorum_den=c.quorum[1],
        threshold_num=threshold[0],
        threshold_den=threshold[1],
        at=at,
    )


def holds_barred(state: CouncilState, person: str) -> bool:
    """Whether the person declares a position of a kind the charter bars, not renounced."""
    barred = state.charter.barred
    return any(d.person == person and d.kind in barred and not d.renounced
               for d in state.declarations.values())


def moved_and_opened(
    state: CouncilState, *, kind: str, by: str, subject: str, ref: int, text: str, at: datetime
) -> tuple[MotionMoved, BallotOpened]:
    """A motion the charter puts to the vote at once (an admission once sponsored, a recall
    once petitioned): its `MotionMoved` and `BallotOpened`, with no seconding needed."""
    number = state.next_id(state.motions)
    return (
        MotionMoved(motion=number, motion_kind=kind, by=by, text=text, subject=subject, ref=ref,
                    seats=0, method="", role="", charter=(), at=at),
        ballot_opening(state, number, kind, subject, at),
    )


def second(state: CouncilState, *, motion: int, by: str, at: datetime) -> Decision:
    """Second a motion. Only members may second, each once, and never their own motion.

    The ballot opens in the same decision when the charter's `seconders` are reached. Raises
    `NoSuchMotion`, `WrongState` (not waiting for seconders), `NotAMember`, `OwnMotion`,
    `AlreadySeconded`.
    """
    m = state.motion(motion)
    if m.status != "moved":
        raise WrongState(f"motion {motion} is not waiting for seconders (it is {m.status})",
                         motion=motion)
    if not state.is_member(by):
        raise NotAMember(f"{by} cannot second motion {motion}: only members may second, and "
                         f"{by} is {state.describe(by)}.", person=by, motion=motion)
    if by == m.by:
        raise OwnMotion(f"{by} cannot second motion {motion}: a mover does not second their "
                        f"own motion", person=by, motion=motion)
    if by in m.seconders:
        raise AlreadySeconded(f"{by} has already seconded motion {motion}; each member seconds "
                              f"once", person=by, motion=motion)
    seconded = MotionSeconded(motion=motion, by=by, at=at)
    if len(m.seconders) + 1 >= state.charter.seconders:
        return decide(state, seconded, ballot_opening(state, motion, m.kind, m.subject, at))
    return decide(state, seconded)


def closes_due(state: CouncilState, now: datetime) -> list[int]:
    """The motions `close` would close at `now`: their ballot is open and its window ended."""
    return [
        n for n, m in state.motions.items()
        if m.status == "open" and m.closes is not None and m.closes <= now
    ]


def close(
    state: CouncilState,
    *,
    motion: int,
    at: datetime,
    box: BallotBox | None = None,
    seed: int | None = None,
) -> Decision:
    """Close a motion's ballot at or after the end of its window and decide it by `outcome`.

    A secret ballot needs its box and a seed the shell draws: the decision then writes
    `BallotSealed` before `MotionDecided` and carries the sealed list; seated delegates' named
    votes, already in the book, are counted with the box. The electorate is the
    number of members at the close. Raises `NoSuchMotion`, `WrongState` (not open, or a secret
    ballot without box and seed), `BallotNotOpen` (before the end of the window).
    """
    m = state.motion(motion)
    if m.status != "open" or m.closes is None:
        raise WrongState(f"motion {motion} has no open ballot to close (it is {m.status})",
                         motion=motion)
    if at < m.closes:
        raise BallotNotOpen(f"motion {motion}'s ballot stays open until "
                            f"{m.closes.isoformat()}; it cannot close earlier", motion=motion)
    acts: list[Act] = []
    sealed: tuple[bytes, ...] = ()
    if m.secret:
        box, seed = require_box(box, seed, f"motion {motion}'s ballot")
        seal_act, sealed = sealed_act(state, of="motion", ballot=motion, box=box, seed=seed,
                                      at=at)
        acts.append(seal_act)
    yes, no, abstain = tally(m, box if m.secret else None)
    carried = outcome(yes=yes, no=no, abstain=abstain, electorate=state.n_members,
                      quorum=m.quorum, threshold=m.threshold)
    acts.append(MotionDecided(motion=motion, carried=carried, yes=yes, no=no, abstain=abstain,
                              electorate=state.n_members, at=at))
    return decide(state, *acts, sealed=sealed)


@handles(MotionMoved)
def _moved(state: CouncilState, a: MotionMoved) -> None:
    state.motions[a.motion] = Motion(
        kind=a.motion_kind, by=a.by, text=a.text, subject=a.subject, ref=a.ref, seats=a.seats,
        method=a.method, role=a.role, charter=a.charter, moved_at=a.at,
    )
    if a.motion_kind == "admission" and a.subject in state.members:
        state.members[a.subject].motion = a.motion


@handles(MotionSeconded)
def _seconded(state: CouncilState, a: MotionSeconded) -> None:
    state.motions[a.motion].seconders.add(a.by)


@handles(BallotOpened)
def _opened(state: CouncilState, a: BallotOpened) -> None:
    m = state.motions[a.motion]
    m.status = "open"
    m.secret = a.secret
    m.opens = a.at
    m.closes = a.closes
    m.quorum = (a.quorum_num, a.quorum_den)
    m.threshold = (a.threshold_num, a.threshold_den)


@handles(MotionDecided)
def _decided(state: CouncilState, a: MotionDecided) -> None:
    m = state.motions[a.motion]
    m.status = "carried" if a.carried else "lost"
    m.counts = (a.yes, a.no, a.abstain)
    fx = EFFECTS.get(m.kind)
    if fx is not None:
        fx(state, a.motion, m, a)


@effect("resolution")
def _resolution(state: CouncilState, number: int, m: Motion, a: MotionDecided) -> None:
    if a.carried:
        state.resolutions.append(number)


@effect("charter_amendment")
def _amendment(state: CouncilState, number: int, m: Motion, a: MotionDecided) -> None:
    if a.carried:
        state.charter = Charter.from_entries(m.charter)


def find_motion(state: CouncilState, kind: str, subject: str) -> int:
    """The latest motion of a kind about a subject (for tests and the shell); raises NotFound."""
    for number in sorted(state.motions, reverse=True):
        m = state.motions[number]
        if m.kind == kind and m.subject == subject:
            return number
    raise NotFound(f"there is no {kind} motion about {subject}", kind=kind, subject=subject)
